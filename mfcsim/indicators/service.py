"""Service levels at the order and at the use, as indicators.

At the order: order fill and regional fill; at the use: use fill, days short and the cycle
service level. Definitions in :mod:`mfcsim.indicators.service_levels`; the buyers' order
lines served in full (``fill_rate``) are in :mod:`.people`.
"""

from __future__ import annotations

import math

import pandas as pd

from mfcsim.indicators.registry import indicator
from mfcsim.indicators.service_levels import (
    buyers,
    order_fills,
    order_shares,
    planned_days,
    process_weights_t,
    short_days,
    use_fill,
    use_fill_by_firm,
    use_table,
)
from mfcsim.indicators.window import Scoped, Window, per_run, per_window


@per_run
def _weights(window: Window) -> pd.Series:
    return process_weights_t(window.scenario, window.results.materials)


@per_window
def _uses(window: Window) -> pd.DataFrame:
    return use_table(window.frame("activity"), _weights(window))


@indicator(
    "use_fill",
    unit="share",
    pillar="people",
    scopes=("cluster", "firm", "process"),
    definition="Realised over planned activity of processes, each weighed by the mass of its "
    "inputs per unit of activity (for the city: food eaten over the diet; process: one "
    "process, e.g. process:<city>.eat_vegetables for one food group; firm: all its "
    "processes; cluster: the buyers' processes).",
)
def use_fill_indicator(window: Window) -> Scoped:
    """Use fill per process, per firm and for the buyers together."""
    table = _uses(window)
    out = {"cluster": use_fill(table, buyers(window.scenario))}
    out.update({f"firm:{f}": float(v) for f, v in use_fill_by_firm(table).items()})
    per_process = table["realised"] / table["planned"].where(table["planned"] > 0.0)
    out.update({f"process:{f}.{p}": float(v) for (f, p), v in per_process.items()})
    return out


def _order_scopes(window: Window, which: int) -> Scoped:
    """Order fill (``which`` 0) or regional fill (1) for the cluster, per buyer, per material."""
    service = window.frame("service")
    out = {"cluster": order_fills(service)[which]}
    if service.empty:
        return out
    for column, prefix in (("buyer", "firm"), ("material", "material")):
        for key, rows in service.groupby(column, observed=True):
            out[f"{prefix}:{key}"] = order_fills(rows)[which]
    return out


@indicator(
    "order_fill",
    unit="share",
    pillar="people",
    scopes=("cluster", "firm", "material"),
    definition="Buyers' orders met on the day, in quantity: (ordered - shortfall) / ordered, "
    "a beta service level at the order (service frame; a tonne counts toward one group "
    "member only).",
)
def order_fill(window: Window) -> Scoped:
    """Order fill for the cluster's buyers, per buyer and per material."""
    return _order_scopes(window, 0)


@indicator(
    "regional_fill",
    unit="share",
    pillar="people",
    scopes=("cluster", "firm", "material"),
    definition="Share of buyers' orders met from what regional firms delivered (or stock on "
    "hand) rather than by the buyer's own imports: delivered / ordered.",
)
def regional_fill(window: Window) -> Scoped:
    """Regional fill for the cluster's buyers, per buyer and per material."""
    return _order_scopes(window, 1)


@per_window
def _short(window: Window) -> tuple[pd.Series, pd.Series]:
    activity = window.frame("activity")
    who = buyers(window.scenario)
    return (
        short_days(activity).reindex(who, fill_value=0.0),
        planned_days(activity).reindex(who, fill_value=0.0),
    )


@indicator(
    "days_short",
    unit="d",
    pillar="people",
    scopes=("cluster", "firm"),
    definition="Days on which a buyer's process ran below plan (firm: each buyer; cluster: "
    "buyer-days summed over the buyers).",
)
def days_short(window: Window) -> Scoped:
    """Days short per buyer, and buyer-days short for the cluster."""
    short, _ = _short(window)
    return {"cluster": float(short.sum()), **{f"firm:{f}": float(v) for f, v in short.items()}}


@indicator(
    "cycle_service_level",
    unit="share",
    pillar="people",
    scopes=("cluster", "firm"),
    definition="Alpha service level at the use: share of a buyer's days with planned activity "
    "on which no process ran below plan (cluster: over all buyer-days).",
)
def cycle_service_level(window: Window) -> Scoped:
    """1 - days short / days planned, per buyer and for the cluster."""
    short, days = _short(window)

    def alpha(s: float, d: float) -> float:
        return 1.0 - s / d if d > 0 else math.nan

    out = {"cluster": alpha(float(short.sum()), float(days.sum()))}
    out.update({f"firm:{f}": alpha(float(short[f]), float(days[f])) for f in short.index})
    return out


@indicator(
    "substituted_share",
    unit="share",
    pillar="people",
    definition="Buyers: of what was delivered toward their orders, the share a substitute "
    "stood in for (service frame).",
)
def substituted_share(window: Window) -> float:
    """Substituted over delivered, buyers' order lines of the period."""
    return order_shares(window.frame("service"))[0]


@indicator(
    "imported_share_of_demand",
    unit="share",
    pillar="people",
    definition="Buyers: imported over ordered (service frame).",
)
def imported_share_of_demand(window: Window) -> float:
    """Imported over ordered, buyers' order lines of the period."""
    return order_shares(window.frame("service"))[1]
