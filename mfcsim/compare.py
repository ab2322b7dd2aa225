"""Replications and scenario comparison: common random numbers and paired confidence intervals.

Replication ``r`` of a scenario with seed ``s`` runs with seed ``s + r``, so replication 0 is
the plain run. Two variants A and B are compared on the same replication seeds: every firm's
random stream is keyed by the seed and the firm's id (:meth:`Simulation.rng_for`), so A and B
see the same random numbers wherever they share firms (common random numbers). For every
indicator the per-replication differences ``d_r = B_r - A_r`` give the mean difference and a
Student t confidence interval, ``mean(d) ± t(0.975, n - 1) · sd(d) / √n``.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mfcsim.engine.simulation import Simulation
from mfcsim.errors import MassBalanceError
from mfcsim.results import Results
from mfcsim.runfolder import atomic_folder, json_text
from mfcsim.scenario.root import Scenario
from mfcsim.sweep.cluster import ordered_map

#: The columns that name one indicator value.
KEYS = ["indicator", "scope", "period"]
#: Confidence level of the paired intervals.
CONFIDENCE = 0.95
#: Relative size below which a replication's difference is rounding, counted as exactly 0.
RTOL = 1e-9
#: Headline figures that are bookkeeping or wall-clock time, not properties of the cluster.
NOT_COMPARED = frozenset({"clearing_seconds_total", "ledger_rows", "mass_balance_max_rel_error"})


def replication_seeds(seed: int, reps: int) -> list[int]:
    """The seeds of ``reps`` replications of a run with ``seed``: ``seed, seed + 1, ...``."""
    return [seed + r for r in range(reps)]


def replication_name(replication: int, reps: int) -> str:
    """The sub-folder of one replication, ``rep-000``, zero-padded to sort in order."""
    return f"rep-{replication:0{max(3, len(str(reps - 1)))}d}"


def kpi_indicators(kpis: dict[str, float]) -> pd.DataFrame:
    """The headline figures as a long indicator frame (scope ``cluster``, period ``all``).

    Units are the registered indicators'; the run's facts (contract fill) are shares.
    """
    from mfcsim.indicators import INDICATORS

    names = [k for k in kpis if k not in NOT_COMPARED]
    units = [INDICATORS[k].unit if k in INDICATORS else "share" for k in names]
    return pd.DataFrame(
        {
            "indicator": names,
            "scope": "cluster",
            "period": "all",
            "value": np.array([kpis[k] for k in names], dtype=np.float64),
            "unit": units,
        }
    )


def indicators_of(results: Results) -> pd.DataFrame:
    """What a comparison compares: every registered indicator and the other headline figures.

    Returns:
        ``indicator, scope, period, value, unit``: :attr:`Results.indicators`, then the
        figures of ``kpis.json`` that are not registered indicators (scope ``cluster``,
        period ``all``), except bookkeeping and wall-clock time (:data:`NOT_COMPARED`).
    """
    frame = results.indicators
    known = set(frame["indicator"])
    extra = kpi_indicators({k: v for k, v in results.kpis.items() if k not in known})
    return pd.concat([frame, extra], ignore_index=True)


def headline_indicators(results: Results) -> pd.DataFrame:
    """Only the headline figures of ``kpis.json``, as a long frame: cheaper to compute."""
    return kpi_indicators(results.kpis)


#: What is measured on each replication: a function from Results to a long indicator frame.
Measure = Callable[[Results], pd.DataFrame]


def _replication(
    job: tuple[Scenario, int, int],
    *,
    out: Path | None,
    reps: int,
    strict: bool,
    measure: Measure,
) -> tuple[pd.DataFrame, str | None]:
    """Run replication ``job = (scenario, r, seed)``; write its run folder under ``out``.

    Returns:
        Its measured frame, and (if not ``strict``) the mass-balance error it has, or None.
    """
    scenario, replication, seed = job
    results = Simulation(scenario, seed=seed).run(strict=strict)
    warning = None if strict else balance_warning(results)
    if out is not None:
        results.write(out / replication_name(replication, reps))
    frame = measure(results)
    frame.insert(0, "seed", seed)
    frame.insert(0, "replication", replication)
    return frame, warning


def balance_warning(results: Results) -> str | None:
    """Check the balances of a run made without the check: the error message, or None."""
    try:
        results.check_balance()
    except MassBalanceError as exc:
        return str(exc)
    return None


def _warn(message: str) -> None:
    """The default for ``warn``: a Python warning."""
    warnings.warn(message, RuntimeWarning, stacklevel=3)


def replicate(
    scenario: Scenario,
    seeds: Iterable[int],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    out: Path | None = None,
    strict: bool = True,
    each: Callable[[int], None] | None = None,
    measure: Measure = indicators_of,
    warn: Callable[[str], None] = _warn,
) -> pd.DataFrame:
    """Run one replication per seed and stack their indicators.

    Args:
        scenario: The scenario to run.
        seeds: One seed per replication (see :func:`replication_seeds`).
        workers: Dask worker processes to run replications in (1 and no ``scheduler``:
            sequentially, in this process); see :mod:`mfcsim.sweep.cluster`.
        scheduler: Address of a running Dask scheduler to use instead of a LocalCluster
            (with ``out``, its workers must see the same file system).
        out: If given, each replication's run folder is written to ``out/rep-NNN``.
        strict: Check each run's mass balance and raise if it fails; if False, check it
            afterwards and pass the error of each run that fails to ``warn``.
        each: Called with the replication number as each one finishes, in order.
        warn: Called with ``rep-NNN: <mass-balance error>`` (not ``strict``).
        measure: What to measure on each run (default :func:`indicators_of`; a module-level
            function if ``workers > 1``, so that it can be sent to the workers).

    Returns:
        ``replication, seed, indicator, scope, period, value, unit``, replications in order.

    Raises:
        MassBalanceError: If ``strict`` and a replication does not balance.
    """
    jobs = [(scenario, r, seed) for r, seed in enumerate(seeds)]
    frames = _run_jobs(
        jobs, workers, each, scheduler=scheduler, out=out, strict=strict, measure=measure, warn=warn
    )
    return pd.concat(frames, ignore_index=True)


def _run_jobs(
    jobs: list[tuple[Scenario, int, int]],
    workers: int,
    each: Callable[[int], None] | None,
    *,
    scheduler: str | None = None,
    out: Path | None = None,
    strict: bool = True,
    measure: Measure = indicators_of,
    warn: Callable[[str], None] = _warn,
) -> list[pd.DataFrame]:
    """The indicator frames of ``(scenario, replication, seed)`` jobs, in the jobs' order."""
    reps = 1 + max((r for _, r, _ in jobs), default=0)
    run_one = partial(_replication, out=out, reps=reps, strict=strict, measure=measure)
    frames = []
    for frame, warning in ordered_map(run_one, jobs, workers, scheduler):
        replication = int(frame["replication"].iloc[0])
        if warning is not None:
            warn(f"{replication_name(replication, reps)}: {warning}")
        frames.append(frame)
        if each is not None:
            each(replication)
    return frames


def _wide(frame: pd.DataFrame) -> pd.DataFrame:
    """Values with one row per indicator key and one column per replication."""
    return frame.set_index([*KEYS, "replication"])["value"].unstack("replication")


def paired_comparison(
    a: pd.DataFrame, b: pd.DataFrame, *, confidence: float = CONFIDENCE
) -> pd.DataFrame:
    """Mean of A, mean of B and the paired difference B - A with its confidence interval.

    A replication's difference smaller than :data:`RTOL` times its values is floating-point
    rounding and counts as 0. The means are over the replications where each side has a
    value; the difference and its interval over the pairs, the replications where both have
    one (``n``; with complete data ``diff = mean_b - mean_a``). With fewer than two pairs no
    interval can be computed: its bounds are NaN and the row is not significant.

    Args:
        a: Variant A: a long frame ``replication, indicator, scope, period, value, unit``.
        b: Variant B, the same columns.
        confidence: Level of the two-sided Student t interval on the differences.

    Returns:
        One row per indicator key: ``indicator, scope, period, unit, n, mean_a, mean_b, diff,
        sd_diff, ci_low, ci_high, significant`` (significant: the interval excludes 0).
    """
    order = pd.concat([a, b])[[*KEYS, "unit"]].drop_duplicates(KEYS)
    index = pd.MultiIndex.from_frame(order[KEYS])
    wide_a, wide_b = _wide(a).reindex(index), _wide(b).reindex(index)
    wide_a, wide_b = wide_a.align(wide_b, join="outer", axis=1)
    diffs = _rounded_differences(wide_a, wide_b)
    n = diffs.notna().sum(axis=1).to_numpy()
    out = order.reset_index(drop=True)
    out["n"] = n
    out["mean_a"] = wide_a.mean(axis=1).to_numpy()
    out["mean_b"] = wide_b.mean(axis=1).to_numpy()
    out["diff"] = diffs.mean(axis=1).to_numpy()
    out["sd_diff"] = diffs.std(axis=1, ddof=1).to_numpy()
    half = _t_quantile(n, confidence) * out["sd_diff"] / np.sqrt(np.maximum(n, 1))
    out["ci_low"], out["ci_high"] = out["diff"] - half, out["diff"] + half
    out["significant"] = ((out["ci_low"] > 0) | (out["ci_high"] < 0)).to_numpy()
    return out


def _rounded_differences(wide_a: pd.DataFrame, wide_b: pd.DataFrame) -> pd.DataFrame:
    """``B - A`` per replication: NaN unless both have a value, 0 where they agree to RTOL.

    Sums taken in another order differ in their last bits, not in substance.
    """
    diffs = wide_b - wide_a
    scale = np.fmax(wide_a.abs(), wide_b.abs())
    return diffs.mask(diffs.abs() <= RTOL * scale, 0.0)


def _t_quantile(n: np.ndarray, confidence: float) -> np.ndarray:
    """The two-sided Student t quantile with ``n - 1`` degrees of freedom (NaN if n < 2)."""
    from scipy import stats  # imported here: a second of start-up that `run --reps` skips

    dof = np.where(n >= 2, n - 1, 1)
    return np.where(n >= 2, stats.t.ppf(0.5 + confidence / 2, dof), np.nan)


@dataclass(frozen=True)
class Variant:
    """One side of a comparison: a scenario and how it was made.

    Attributes:
        label: Short name shown in tables (``A``, ``B`` or the scenario's name).
        scenario: The loaded scenario.
        source: The YAML file it was read from.
        overrides: The ``--set`` overrides applied to it.
    """

    label: str
    scenario: Scenario
    source: str
    overrides: tuple[str, ...] = field(default_factory=tuple)

    def describe(self) -> dict[str, Any]:
        """What ``comparison.json`` records about this side."""
        return {
            "label": self.label,
            "scenario": self.scenario.name,
            "file": self.source,
            "overrides": list(self.overrides),
        }


@dataclass
class Comparison:
    """Replications of A and B on common random numbers, and their paired comparison.

    Attributes:
        a, b: The two variants.
        seeds: The replication seeds, shared by A and B.
        indicators: Every replication's indicators: ``variant`` (``A``/``B``) + the long frame.
        table: One row per indicator (see :func:`paired_comparison`).
    """

    a: Variant
    b: Variant
    seeds: list[int]
    indicators: pd.DataFrame
    table: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """The comparison as JSON-ready data (NaN written as null)."""
        rows = self.table.astype(object).where(self.table.notna(), None)
        return {
            "a": self.a.describe(),
            "b": self.b.describe(),
            "replications": len(self.seeds),
            "seeds": self.seeds,
            "seed_rule": "seed of replication r = seed + r, the same in A and B",
            "confidence": CONFIDENCE,
            "difference": "B - A, paired by replication",
            "interval": "Student t on the per-replication differences",
            "rows": rows.to_dict(orient="records"),
        }

    def write(self, folder: str | Path) -> Path:
        """Write ``comparison.parquet``, ``comparison.json`` and ``indicators.parquet`` atomically.

        Raises:
            UsageError: If ``folder`` exists already and is not empty.
        """
        with atomic_folder(folder) as tmp:
            self.write_files(tmp)
        return Path(folder)

    def write_files(self, folder: Path) -> None:
        """Write the comparison's files into an existing folder."""
        self.table.to_parquet(folder / "comparison.parquet", index=False)
        self.indicators.to_parquet(folder / "indicators.parquet", index=False)
        text = json.dumps(self.summary(), indent=2, allow_nan=False)
        (folder / "comparison.json").write_text(text + "\n")


def compare(
    a: Variant,
    b: Variant,
    reps: int,
    *,
    seed: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    each: Callable[[int], None] | None = None,
    measure: Measure = indicators_of,
) -> Comparison:
    """Run ``reps`` replications of A and of B on the same seeds and compare them.

    Args:
        a: The reference variant; its scenario's seed is the base seed.
        b: The changed variant, run on A's replication seeds (its own seed is not used).
        reps: Replications per variant (1 or more; with 1 no interval can be computed).
        seed: Base seed of the replications (default: A's scenario seed).
        workers: Dask worker processes to run replications in (1: in this process).
        scheduler: Address of a running Dask scheduler instead of a LocalCluster.
        each: Called after each finished replication of either variant.
        measure: What to compare (default :func:`indicators_of`; or
            :func:`headline_indicators`, the figures of ``kpis.json`` only).

    Raises:
        MassBalanceError: If a replication does not balance.
    """
    seeds = replication_seeds(a.scenario.seed if seed is None else seed, reps)
    side_a, side_b = run_variants(
        [a.scenario, b.scenario], seeds, workers=workers, scheduler=scheduler, each=each,
        measure=measure,
    )  # fmt: skip
    stacked = pd.concat([side_a.assign(variant="A"), side_b.assign(variant="B")], ignore_index=True)
    stacked = stacked[["variant", *side_a.columns]]
    return Comparison(a, b, seeds, stacked, paired_comparison(side_a, side_b))


def run_variants(
    scenarios: list[Scenario],
    seeds: list[int],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    each: Callable[[int], None] | None = None,
    measure: Measure = indicators_of,
) -> list[pd.DataFrame]:
    """Run every scenario on the same replication seeds (common random numbers), in one pool.

    Args:
        scenarios: The variants, e.g. a reference and its changed copies.
        seeds: One seed per replication, shared by all variants.
        workers: Dask worker processes (1 and no ``scheduler``: in this process).
        scheduler: Address of a running Dask scheduler instead of a LocalCluster.
        each: Called after each finished replication of any variant.
        measure: What to measure on each run (see :func:`replicate`).

    Returns:
        One stacked frame per scenario, in order (as :func:`replicate` returns).

    Raises:
        MassBalanceError: If a replication does not balance.
    """
    jobs = [(scn, r, s) for scn in scenarios for r, s in enumerate(seeds)]
    frames = _run_jobs(jobs, workers, each, scheduler=scheduler, measure=measure)
    reps = len(seeds)
    return [
        pd.concat(frames[i * reps : (i + 1) * reps], ignore_index=True)
        for i in range(len(scenarios))
    ]


def write_replications(
    scenario: Scenario,
    folder: str | Path,
    reps: int,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    strict: bool = True,
    each: Callable[[int], None] | None = None,
    warn: Callable[[str], None] = _warn,
) -> pd.DataFrame:
    """Run ``reps`` replications of a scenario into one folder, written atomically.

    The folder holds one run folder per replication (``rep-000``, ``rep-001``, ...), the
    indicators of all of them in ``indicators.parquet`` (with ``replication`` and ``seed``
    columns) and ``replications.json`` (scenario, seeds, the seed rule).

    Returns:
        The stacked indicator frame written to ``indicators.parquet``.

    Raises:
        UsageError: If ``folder`` exists already and is not empty.
        MassBalanceError: If ``strict`` and a replication does not balance.
    """
    seeds = replication_seeds(scenario.seed, reps)
    with atomic_folder(folder) as tmp:
        frame = replicate(
            scenario,
            seeds,
            workers=workers,
            scheduler=scheduler,
            out=tmp,
            strict=strict,
            each=each,
            warn=warn,
        )
        frame.to_parquet(tmp / "indicators.parquet", index=False)
        about = {
            "scenario": scenario.name,
            "replications": reps,
            "seeds": seeds,
            "seed_rule": "seed of replication r = seed + r (replication 0 is the plain run)",
            "folders": [replication_name(r, reps) for r in range(reps)],
        }
        (tmp / "replications.json").write_text(json_text(about))
    return frame
