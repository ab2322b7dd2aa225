"""Reading a sweep folder back: its status and per-variant summaries of every indicator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mfcsim.compare import CONFIDENCE, KEYS, _t_quantile
from mfcsim.sweep import store


def status(folder: Path) -> dict[str, Any]:
    """How far a sweep is: runs in the design, finished, failed (with errors), remaining."""
    about = store.read_manifest(folder)
    finished = store.finished_ids(folder)
    failures = [f for f in store.failed_runs(folder) if f["run_id"] not in finished]
    total = int(about["runs"])
    return {
        "folder": str(folder),
        "runs": total,
        "finished": len(finished),
        "failed": len(failures),
        "remaining": total - len(finished) - len(failures),
        "failures": failures,
    }


def summarize(folder: Path, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Per variant and indicator key: the mean over replications and its confidence interval.

    The interval is Student t on the replications, ``mean ± t(0.975, n - 1) · sd / √n`` (NaN
    with one replication).

    Returns:
        ``variant, <varied paths>, indicator, scope, period, unit, n, mean, sd, ci_low,
        ci_high``, in variant order.
    """
    about = store.read_manifest(folder)
    paths = [c for c in about["columns"] if c not in ("run_id", "variant", "replication", "seed")]
    frame = store.read_table(folder, "indicators")
    columns = ["variant", *paths, *KEYS, "unit", "n", "mean", "sd", "ci_low", "ci_high"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    groups = ["variant", *paths, *KEYS, "unit"]
    stats = frame.groupby(groups, sort=False, dropna=False)["value"].agg(["count", "mean", "std"])
    out = stats.reset_index().rename(columns={"count": "n", "std": "sd"})
    n = out["n"].to_numpy()
    half = _t_quantile(n, confidence) * out["sd"].to_numpy() / np.sqrt(np.maximum(n, 1))
    out["ci_low"], out["ci_high"] = out["mean"] - half, out["mean"] + half
    return out.sort_values("variant", kind="stable").reset_index(drop=True)[columns]


#: Bootstrap resamples of the SALib intervals.
RESAMPLES = 200


def sensitivity(folder: Path, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Morris (μ*, σ) or Sobol (S1, ST) indices of every cluster-wide indicator, with SALib.

    Each variant's output is the mean of its replications' value (scope ``cluster``, period
    ``all``). Indices are computed on the first N/4, N/2 and all N base samples (trajectories
    for Morris), so that their convergence can be seen; ``*_conf`` are the half widths of
    the bootstrap intervals at ``confidence``. Indicators that do not vary are left out.

    Returns:
        ``indicator, unit, parameter, n`` then ``mu_star, mu_star_conf, sigma`` (Morris) or
        ``S1, S1_conf, ST, ST_conf`` (Sobol).

    Raises:
        UsageError: If the sweep's design is not a Morris or Sobol sample, or a variant has
            no finished run.
    """
    import warnings

    from mfcsim.errors import UsageError
    from mfcsim.sweep.sampling import problem

    design = store.read_manifest(folder)["design"]
    method = design.get("kind")
    if method not in ("sobol", "morris"):
        raise UsageError(
            f"{folder}: a {method} design has no sensitivity indices (accepted: a sweep file "
            "with sample.method sobol or morris)"
        )
    frame = store.read_table(folder, "indicators")
    samples = np.asarray(design["samples"], dtype=float)
    frame = (
        frame[(frame["scope"] == "cluster") & (frame["period"] == "all")] if len(frame) else frame
    )
    means = frame.groupby(["indicator", "unit", "variant"])["value"].mean() if len(frame) else None
    wide = means.unstack("variant") if means is not None else pd.DataFrame()
    missing = len(samples) - wide.shape[1]
    if missing:
        raise UsageError(
            f"{folder}: {missing} variant(s) have no finished run (accepted: a finished sweep; "
            "see mfcsim sweep status)"
        )
    spec = problem(design)
    per = spec["num_vars"] + (2 if method == "sobol" else 1)
    rows = []
    for divisor in (4, 2, 1):
        k = design["n"] // divisor
        if k < 2:
            continue
        x = samples[: k * per]
        for (indicator, unit), values in wide.iterrows():
            y = values.to_numpy(dtype=float)[: k * per]
            if not np.isfinite(y).all() or np.ptp(y) == 0:
                continue
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                found = _indices(method, spec, x, y, design, confidence)
            for j, name in enumerate(spec["names"]):
                row = {"indicator": indicator, "unit": unit, "parameter": name, "n": k}
                rows.append({**row, **{key: float(v[j]) for key, v in found.items()}})
    return pd.DataFrame(rows)


def _indices(
    method: str,
    spec: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    design: dict[str, Any],
    confidence: float,
) -> dict[str, Any]:
    """SALib's indices of one output."""
    if method == "sobol":
        from SALib.analyze import sobol

        found = sobol.analyze(
            spec,
            y,
            calc_second_order=False,
            conf_level=confidence,
            num_resamples=RESAMPLES,
            seed=0,
        )
        return {k: found[k] for k in ("S1", "S1_conf", "ST", "ST_conf")}
    from SALib.analyze import morris

    found = morris.analyze(
        spec,
        x,
        y,
        conf_level=confidence,
        num_resamples=RESAMPLES,
        num_levels=design.get("levels", 4),
        seed=0,
    )
    return {k: np.asarray(found[k]) for k in ("mu_star", "mu_star_conf", "sigma")}
