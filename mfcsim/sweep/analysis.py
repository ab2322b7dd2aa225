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
    paths = [f["path"] for f in about["design"]["factors"]]
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
