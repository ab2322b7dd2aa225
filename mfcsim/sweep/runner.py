"""Running a sweep: batches of runs as Dask tasks, results streamed to the sweep folder.

The client submits one task per batch of runs. A worker builds each variant's scenario once
per batch, runs it on its seed and measures it; a run that raises is returned as a failure
with its error, so the batch (and the sweep) goes on. As each batch comes back the client
writes it (:func:`mfcsim.sweep.store.write_batch`) and forgets it: it holds the design, not
the results. A worker that dies takes its task with it; Dask runs the task again on another
worker, and since only the client writes, no run is written twice.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mfcsim import __version__
from mfcsim.agent.pricing import solver_threads
from mfcsim.compare import Measure, indicators_of
from mfcsim.errors import one_line
from mfcsim.sweep import store
from mfcsim.sweep.design import Base, Design, Run, Scenarios, runs

#: The tables ``--keep`` may add to the indicators, and what gives them from a run.
KEEPABLE = {"flows": lambda results: results.flows}
#: A progress callback: finished, failed, running and remaining runs of this invocation.
Progress = Callable[[int, int, int, int], None]
#: The most runs in one Dask task when the batch size is chosen automatically.
MAX_BATCH = 8
#: Tasks per worker to aim for, so that the workers stay busy until the end.
TASKS_PER_WORKER = 4
SEED_RULE = "seed of replication r = seed + r, the same in every variant (common random numbers)"


@dataclass
class SweepReport:
    """What one ``sweep run`` did.

    Attributes:
        folder: The sweep folder.
        total: Runs in the design.
        skipped: Runs found finished in the folder and not run again.
        finished: Runs that finished in this invocation.
        failed: Runs that raised in this invocation (recorded in ``failed/``).
        seconds: Wall-clock time of this invocation's runs.
        batch: Runs per Dask task.
    """

    folder: Path
    total: int
    skipped: int = 0
    finished: int = 0
    failed: int = 0
    seconds: float = 0.0
    batch: int = 1
    errors: list[str] = field(default_factory=list)


def manifest(
    base: Base | Scenarios,
    design: Design,
    reps: int,
    seed: int,
    measure: Measure,
    keep: Sequence[str] = (),
) -> dict[str, Any]:
    """The ``sweep.json`` of a sweep (design, seeds, versions, scenario hash)."""
    import dask
    import distributed

    count = len(design.variants)
    return {
        "kind": store.KIND,
        "format": 1,
        "scenario": {"file": base.source, "sha256": base.sha256, "name": base.data.get("name")},
        "set": list(base.overrides),
        "days": base.days,
        "seed": seed,
        "design": {**design.about, "measure": measure.__name__, "keep": sorted(keep)},
        "variants": count,
        "reps": reps,
        "runs": count * reps,
        "seeds": [seed + r for r in range(reps)],
        "seed_rule": SEED_RULE,
        "run_id": "sha256 of (scenario sha256, --set, days, variant number and values, seed, "
        "mfcsim version), first 20 hex digits",
        "columns": ["run_id", "variant", *design.paths, "replication", "seed"],
        "versions": {
            "mfcsim": __version__,
            "dask": dask.__version__,
            "distributed": distributed.__version__,
            "python": platform.python_version(),
        },
    }


def run_sweep(
    base: Base | Scenarios,
    design: Design,
    reps: int,
    seed: int,
    folder: Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    batch: int | None = None,
    measure: Measure = indicators_of,
    keep: Sequence[str] = (),
    progress: Progress | None = None,
) -> SweepReport:
    """Run (or resume) a sweep into ``folder``.

    Args:
        base: The scenario as read, with the ``--set`` overrides and horizon of every run.
        design: The variants (:func:`design.factorial` of factors checked with
            :func:`design.check_factors`, or a sample of a sweep file).
        reps: Replications per variant; replication ``r`` runs on seed ``seed + r``.
        seed: The base seed.
        folder: The sweep folder: new, empty, or this sweep's (to resume it).
        workers: Worker processes of the LocalCluster (default: the CPUs of this machine).
        scheduler: Address of a running Dask scheduler instead of a LocalCluster.
        batch: Runs per Dask task (default: up to :data:`MAX_BATCH`, about
            :data:`TASKS_PER_WORKER` tasks per worker).
        measure: What to keep of each run (default: every indicator).
        keep: Further tables to keep of each run, each a dataset (``flows``: the ledger).
        progress: Called after each batch with finished, failed, running, remaining runs.

    Raises:
        UsageError: If ``folder`` holds something else, or the scheduler cannot be reached.
        ClearingError: If ``$MFCSIM_SOLVER_THREADS`` is set to anything but a positive
            integer (before anything is written).
    """
    from dask.distributed import as_completed

    from mfcsim.sweep.cluster import dask_client

    solver_threads()  # a bad MFCSIM_SOLVER_THREADS: one line before the folder is made
    about = manifest(base, design, reps, seed, measure, keep)
    done = store.open_folder(folder, about, ("indicators", *keep))
    store.write_manifest(folder, about)
    total = len(design.variants) * reps
    pending = [r for r in runs(base, design.variants, reps, seed) if r.run_id not in done]
    report = SweepReport(folder, total, skipped=total - len(pending))
    if not pending:
        return report
    n_workers = workers or os.cpu_count() or 1
    size = batch or max(1, min(MAX_BATCH, len(pending) // (TASKS_PER_WORKER * n_workers)))
    report.batch = size
    batches = [pending[i : i + size] for i in range(0, len(pending), size)]
    paths = list(design.paths)
    start = time.perf_counter()
    with dask_client(n_workers, scheduler) as client:
        threads = sum(client.nthreads().values()) or n_workers
        futures = {
            client.submit(run_batch, base, b, paths, measure, tuple(keep), pure=False): b
            for b in batches
        }
        remaining = len(pending)
        if progress is not None:
            progress(0, 0, min(remaining, threads * size), max(0, remaining - threads * size))
        for future in as_completed(futures):
            batch_runs = futures.pop(future)
            if future.status == "error":
                exc = future.exception()
                failures = [_failure(r, paths, exc) for r in batch_runs]
                tables, finished = {}, pd.DataFrame()
            else:
                tables, finished, failures = future.result()
            future.release()
            store.write_batch(folder, tables, finished)
            for record in failures:
                store.write_failure(folder, record)
                report.errors.append(f"run {record['run_id']}: {record['error']}")
            report.finished += len(finished)
            report.failed += len(failures)
            remaining -= len(batch_runs)
            if progress is not None:
                running = min(remaining, threads * size)
                progress(report.finished, report.failed, running, remaining - running)
    report.seconds = time.perf_counter() - start
    return report


def run_batch(
    base: Base | Scenarios,
    batch: Sequence[Run],
    paths: Sequence[str],
    measure: Measure,
    keep: Sequence[str] = (),
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, list[dict[str, Any]]]:
    """Run a batch of runs (on a worker): their tables, their rows, their failures.

    Returns:
        The tables of the finished runs by name, ``indicators`` and those of ``keep``
        (``run_id, variant, <paths>, replication, seed`` then the table's columns), one row
        per finished run (the same first columns and ``seconds``), and a record per run
        that raised.
    """
    from mfcsim.engine.simulation import Simulation

    frames: dict[str, list[pd.DataFrame]] = {name: [] for name in ("indicators", *keep)}
    rows, failures = [], []
    scenarios: dict[int, Any] = {}
    for run in batch:
        start = time.perf_counter()
        try:
            if run.variant not in scenarios:
                scenarios = {run.variant: base.scenario(run.params)}
            results = Simulation(scenarios[run.variant], seed=run.seed).run()
            made = {"indicators": measure(results)}
            made.update({name: KEEPABLE[name](results).copy() for name in keep})
        except Exception as exc:  # a run that raises is recorded, the others go on
            failures.append(_failure(run, paths, exc))
            continue
        head = _head(run, paths)
        for name, frame in made.items():
            for i, (column, value) in enumerate(head.items()):
                frame.insert(i, column, value)
            frames[name].append(frame)
        rows.append({**head, "seconds": time.perf_counter() - start})
    tables = {k: pd.concat(v, ignore_index=True) for k, v in frames.items() if v}
    return tables, pd.DataFrame(rows), failures


def _head(run: Run, paths: Sequence[str]) -> dict[str, Any]:
    """The columns that say which run a row belongs to."""
    params = dict(run.params)
    return {
        "run_id": run.run_id,
        "variant": run.variant,
        **{p: params[p] for p in paths},
        "replication": run.replication,
        "seed": run.seed,
    }


def _failure(run: Run, paths: Sequence[str], exc: BaseException) -> dict[str, Any]:
    """The record of a run that raised: which run, and the error on one line."""
    return {**_head(run, paths), "error_type": type(exc).__name__, "error": one_line(str(exc))}
