"""The one place mfcsim starts or reaches Dask: a client on a LocalCluster or a scheduler.

Every parallel run in mfcsim (``run --reps``, ``compare``, ``sweep run``) goes through
:func:`dask_client`. Workers are processes with one thread each (the simulation holds the
GIL); they are spawned, so firm types from your own package are found in them only through
the ``mfcsim.firms`` entry point (or an import in the function sent to them).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from mfcsim.errors import UsageError

#: Seconds to wait for an existing scheduler given with ``--scheduler``.
CONNECT_TIMEOUT_S = 30


@contextmanager
def dask_client(workers: int, scheduler: str | None = None) -> Iterator[Any]:
    """A ``dask.distributed.Client``: on a new LocalCluster, or on the scheduler given.

    Args:
        workers: Worker processes of the LocalCluster (one thread each); ignored with
            ``scheduler``, whose cluster has its own.
        scheduler: Address of a running scheduler (``tcp://HOST:8786``), or None for a
            LocalCluster on this machine, closed when the block ends.

    Raises:
        UsageError: If the scheduler cannot be reached.
    """
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(
                f"--scheduler {scheduler}: cannot connect ({type(exc).__name__}; accepted: the "
                "address of a running Dask scheduler, e.g. tcp://HOST:8786)"
            ) from None
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: None still binds 8787 (dask/distributed#8136)
            silence_logs=logging.ERROR,
            env=worker_environment(workers),
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def worker_environment(workers: int) -> dict[str, str]:
    """Environment of the LocalCluster's workers: the cores shared out among them.

    The optimal policy solves a day's parts on ``$MFCSIM_SOLVER_THREADS`` threads (default:
    the cores, up to 4); ``workers`` processes each doing so would ask for more threads than
    the machine has, so each worker gets the cores divided by the workers (at least 1),
    unless the variable is set here, which the workers then inherit (checked here first).

    Raises:
        ClearingError: If the variable is set to anything but a positive integer.
    """
    from mfcsim.agent.pricing import THREADS_VARIABLE, available_cores, solver_threads

    if THREADS_VARIABLE in os.environ:
        solver_threads()  # a bad value: one line before any worker starts
        return {}
    return {THREADS_VARIABLE: str(max(1, available_cores() // max(1, workers)))}


def ordered_map(
    func: Callable[[Any], Any],
    items: list[Any],
    workers: int,
    scheduler: str | None = None,
) -> Iterator[Any]:
    """``map(func, items)`` in order: in this process, or as Dask tasks.

    With one worker and no scheduler the items run here, one by one. Otherwise each item is
    one task on :func:`dask_client`; results are yielded in the items' order, so what is
    made of them does not depend on which worker finished first. A task's exception is
    raised here (the remaining tasks are cancelled with the cluster).
    """
    if scheduler is None and (workers <= 1 or len(items) <= 1):
        yield from map(func, items)
        return
    with dask_client(min(workers, len(items)), scheduler) as client:
        futures = client.map(func, items, pure=False)
        for future in futures:
            yield future.result()
