"""Machine-pool indicators: utilisation, waiting, yield lost, cost and investment avoided.

They read the run's ``machines`` frame (one row per operation, :mod:`mfcsim.engine.resources`)
and the scenario's ``machine_pools``; a run without machine pools has none of them
(:data:`MACHINE_INDICATORS`: no rows, so the outputs of such runs stay as they were). An
operation counts in the period its request falls in (``t_day``), except utilisation, which
counts the machine-days held within the period. Scopes: ``cluster``, ``pool:<id>``,
``firm:<id>`` and ``operation:<firm>/<process>``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from mfcsim.indicators.registry import Pillar, indicator, report_only_with
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


def per_operation(column: str) -> Callable[[Window], Scoped]:
    """An indicator function: a column of the operations summed per farm, operation, cluster."""

    def values(window: Window) -> Scoped:
        ops = window.frame("machines")
        if ops.empty:
            return {}
        summed = ops[column].astype(float)
        key = ops["firm"].astype(str) + "/" + ops["process"].astype(str)
        return {
            **by_scope(summed.groupby(ops["firm"].astype(str)).sum(), "firm"),
            **by_scope(summed.groupby(key).sum(), "operation", total=False),
        }

    values.__doc__ = f"``{column}`` of the machines frame per farm and operation, summed."
    return values


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


#: (name, unit, pillar, column of the machines frame, definition) of the per-operation sums.
PER_OPERATION: tuple[tuple[str, str, Pillar, str, str], ...] = (
    ("machine_wait_days", "d", "profit", "wait_day",
     "Days operations waited for a machine of their pool (request to grant; not served by the "
     "horizon: to the horizon), summed."),
    ("machine_yield_lost_t", "t", "planet", "yield_lost_t",
     "Mass of the outputs a waiting operation lost through its yield factor "
     "(1 - loss_per_day × waiting days), moved to the process's yield_balance."),
    ("machine_yield_lost_eur", "EUR", "profit", "yield_lost_eur",
     "The yield lost to waiting at the materials' prices."),
    ("machine_cost_eur", "EUR", "profit", "cost_eur",
     "What farms pay the pools: cost_eur_per_day × days a machine was held (travel included)."),
)  # fmt: skip
for _name, _unit, _pillar, _column, _definition in PER_OPERATION:
    indicator(_name, unit=_unit, pillar=_pillar, scopes=("cluster", "firm", "operation"),
              definition=_definition)(per_operation(_column))  # fmt: skip


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


report_only_with("machine_pools", MACHINE_INDICATORS)
