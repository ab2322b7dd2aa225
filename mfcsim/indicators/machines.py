"""Machine-pool indicators: utilisation, waiting, yield lost, cost and investment avoided.

They read the run's ``machines`` frame (one row per operation, :mod:`mfcsim.engine.resources`)
and the scenario's ``machine_pools``; a run without machine pools has none of them
(:data:`MACHINE_INDICATORS`: no rows, so the outputs of such runs stay as they were). An
operation counts in the period its request falls in (``t_day``), except utilisation, which
counts the machine-days held within the period. Scopes: ``cluster``, ``pool:<id>``,
``firm:<id>`` and ``operation:<firm>/<process>``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mfcsim.indicators.registry import indicator
from mfcsim.indicators.window import Scoped, Window, by_scope

#: Days of a year, for the annualised capital cost (capital cost / lifetime).
DAYS_PER_YEAR = 365.0
#: The indicators of this module: reported only for runs whose scenario has machine pools.
MACHINE_INDICATORS = (
    "machine_utilisation_share",
    "machine_wait_days",
    "machine_yield_lost_t",
    "machine_yield_lost_eur",
    "machine_cost_eur",
    "machine_capital_avoided_eur",
)


def _operations(window: Window) -> pd.DataFrame:
    """The operations requested within the window (empty without machine pools)."""
    return window.frame("machines")


def _per_firm_and_operation(ops: pd.DataFrame, column: str) -> Scoped:
    """A column summed for the cluster, per firm and per operation (firm/process)."""
    if ops.empty:
        return {}
    values = ops[column].astype(float)
    key = ops["firm"].astype(str) + "/" + ops["process"].astype(str)
    return {
        **by_scope(values.groupby(ops["firm"].astype(str)).sum(), "firm"),
        **by_scope(values.groupby(key).sum(), "operation", total=False),
    }


@indicator(
    "machine_utilisation_share",
    unit="share",
    pillar="profit",
    scopes=("cluster", "pool"),
    definition="Machine-days the pool's machines were held (grant to release, travel "
    "included) within the period, over its machines × the period's days (cluster: all pools).",
)
def machine_utilisation_share(window: Window) -> Scoped:
    """Held machine-days over available machine-days, per pool and for the cluster."""
    pools = window.scenario.machine_pools
    ops = window.results.extra.get("machines")
    if not pools or ops is None:
        return {}
    start, end = window.period.start_day, window.period.end_day
    served = ops[ops["served"]]
    held = np.clip(served["release_day"], start, end) - np.clip(served["grant_day"], start, end)
    busy = held.groupby(served["pool"].astype(str)).sum()
    out, total_busy, total_days = {}, 0.0, 0.0
    for pid, pool in pools.items():
        available = pool.count * window.period.days
        used = float(busy.get(pid, 0.0))
        out[f"pool:{pid}"] = used / available
        total_busy, total_days = total_busy + used, total_days + available
    return {"cluster": total_busy / total_days, **out}


@indicator(
    "machine_wait_days",
    unit="d",
    pillar="profit",
    scopes=("cluster", "firm", "operation"),
    definition="Days operations waited for a machine of their pool (request to grant; not "
    "served by the horizon: to the horizon), summed.",
)
def machine_wait_days(window: Window) -> Scoped:
    """Waiting days per farm and per operation, and their sum."""
    return _per_firm_and_operation(_operations(window), "wait_day")


@indicator(
    "machine_yield_lost_t",
    unit="t",
    pillar="planet",
    scopes=("cluster", "firm", "operation"),
    definition="Mass of the outputs a waiting operation lost through its yield factor "
    "(1 - loss_per_day × waiting days), moved to the process's yield_balance.",
)
def machine_yield_lost_t(window: Window) -> Scoped:
    """Tonnes of yield lost to waiting, per farm and operation."""
    return _per_firm_and_operation(_operations(window), "yield_lost_t")


@indicator(
    "machine_yield_lost_eur",
    unit="EUR",
    pillar="profit",
    scopes=("cluster", "firm", "operation"),
    definition="The yield lost to waiting at the materials' prices.",
)
def machine_yield_lost_eur(window: Window) -> Scoped:
    """Value of the yield lost to waiting, per farm and operation."""
    return _per_firm_and_operation(_operations(window), "yield_lost_eur")


@indicator(
    "machine_cost_eur",
    unit="EUR",
    pillar="profit",
    scopes=("cluster", "firm", "operation"),
    definition="What farms pay the pools: cost_eur_per_day × days a machine was held "
    "(travel included).",
)
def machine_cost_eur(window: Window) -> Scoped:
    """Machine cost per farm and operation."""
    return _per_firm_and_operation(_operations(window), "cost_eur")


def pool_users(window: Window) -> dict[str, int]:
    """Per pool: how many farms have a process that needs it."""
    users: dict[str, set[str]] = {pid: set() for pid in window.scenario.machine_pools}
    for fid, firm in window.scenario.firms.items():
        for proc in firm.processes.values():
            if proc.machine is not None:
                users[proc.machine.pool].add(fid)
    return {pid: len(firms) for pid, firms in users.items()}


@indicator(
    "machine_capital_avoided_eur",
    unit="EUR",
    pillar="profit",
    scopes=("cluster", "pool"),
    definition="Annualised capital cost (capital_cost_eur / lifetime_year) of one machine "
    "per farm that needs the pool, minus that of the pool's machines, over the period's "
    "days / 365.",
)
def machine_capital_avoided_eur(window: Window) -> Scoped:
    """Investment avoided by sharing, against each farm owning its own machine."""
    pools = window.scenario.machine_pools
    if not pools:
        return {}
    years = window.period.days / DAYS_PER_YEAR
    users = pool_users(window)
    avoided = {
        pid: (users[pid] - pool.count) * pool.capital_cost_eur / pool.lifetime_year * years
        for pid, pool in pools.items()
    }
    return by_scope(pd.Series(avoided, dtype=float), "pool")
