"""Service levels at the order and at the use, from a run's frames.

Two places a service can be judged (see docs/indicators.md, "Service levels"):

- **at the order** (the service frame, buyers only): *order fill* = (ordered − shortfall) /
  ordered, a β service level (Silver, Pyke and Thomas 2017); *regional fill* = delivered /
  ordered, the share of the need met from what regional firms delivered (or stock on hand)
  rather than by the buyer's own imports;
- **at the use** (the activity frame, every firm): *use fill* = realised / planned activity
  of the firm's processes, each weighed by the mass of its inputs per unit of activity, so
  that for the city it is food eaten / diet; *days short* = days on which some process ran
  below plan, and the cycle service level α = the share of days with none.

Pure functions of frames (no simulation, no indicators); the indicators of
:mod:`mfcsim.indicators.service` (and through them ``kpis.json``) compute each figure here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mfcsim.coded import categorical

if TYPE_CHECKING:
    from mfcsim.scenario.root import Scenario

#: A process is short on a day when it realised less than (1 - SHORT_RTOL) of its plan.
SHORT_RTOL = 1e-9


def process_weights_t(scenario: Scenario, materials: pd.DataFrame) -> pd.Series:
    """Mass through each process per unit of activity (t), indexed by (firm, process).

    The mass of its inputs; for a process without mass inputs, of what it takes from the
    environment; then of its outputs. 0 for a process that moves energy only (such a
    process counts in its own use fill, not in its firm's or the cluster's).
    """
    mass = materials.set_index("id")["mass_t_per_unit"].astype(float)
    weights = {}
    for fid, firm in scenario.firms.items():
        for pid, proc in firm.processes.items():
            weight = 0.0
            for side in (proc.inputs, proc.from_environment, proc.outputs):
                weight = sum(q * float(mass.get(m, 0.0)) for m, q in side.items())
                if weight > 0.0:
                    break
            weights[fid, pid] = weight
    index = pd.MultiIndex.from_tuples(list(weights), names=["firm", "process"])
    return pd.Series(list(weights.values()), index=index, dtype=float)


def use_table(activity: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    """Per (firm, process): planned and realised activity, and both as mass (t) by weight."""
    grouped = activity.groupby(["firm", "process"], observed=True, sort=False)
    sums = grouped[["planned", "realised"]].sum()
    sums.index = pd.MultiIndex.from_tuples(
        [(str(f), str(p)) for f, p in sums.index], names=["firm", "process"]
    )
    weight = weights.reindex(sums.index, fill_value=0.0)
    sums["planned_t"] = sums["planned"] * weight
    sums["realised_t"] = sums["realised"] * weight
    return sums


def fill(realised: float, planned: float) -> float:
    """``realised / planned``; NaN when nothing was planned."""
    return realised / planned if planned > 0.0 else math.nan


def use_fill_by_firm(table: pd.DataFrame) -> pd.Series:
    """Mass-weighted use fill of each firm's processes (NaN where nothing was planned)."""
    sums = table[["realised_t", "planned_t"]].groupby(level="firm", sort=False).sum()
    return sums["realised_t"] / sums["planned_t"].where(sums["planned_t"] > 0.0)


def use_fill(table: pd.DataFrame, firms: list[str] | None = None) -> float:
    """Mass-weighted use fill over the processes of ``firms`` (all if None)."""
    rows = table if firms is None else table[table.index.get_level_values("firm").isin(firms)]
    return fill(float(rows["realised_t"].sum()), float(rows["planned_t"].sum()))


def short_days(activity: pd.DataFrame) -> pd.Series:
    """Per firm: the days on which one of its processes realised less than planned."""
    planned, realised = activity["planned"].to_numpy(), activity["realised"].to_numpy()
    return days_per_firm(activity, realised < planned * (1.0 - SHORT_RTOL))


def planned_days(activity: pd.DataFrame) -> pd.Series:
    """Per firm: the days on which it planned some activity."""
    return days_per_firm(activity, activity["planned"].to_numpy() > 0.0)


def days_per_firm(activity: pd.DataFrame, chosen: np.ndarray) -> pd.Series:
    """Per firm, the distinct days among the ``chosen`` rows (a mask); firms without any left out.

    Counted on the firm column's category codes and the days' ranks, one ``np.unique`` over a
    number per (firm, day): no firm name is made per row (a year of 10,000 firms has about
    3 million activity rows). Rows without a firm are left out. Indexed by firm id, sorted.
    """
    firm = categorical(activity["firm"])
    codes = firm.cat.codes.to_numpy()[chosen].astype(np.int64)
    t_day = activity["t_day"].to_numpy()[chosen]
    named = codes >= 0
    codes, t_day = codes[named], t_day[named]
    if len(t_day) and t_day.min() >= 0 and np.array_equal(t_day, np.floor(t_day)):
        day = t_day.astype(np.int64)  # the engine's days: whole numbers from 0
    else:  # any other days (read from a file, say): each one's rank among them
        day = np.unique(t_day, return_inverse=True)[1].reshape(-1)
    span = int(day.max()) + 1 if len(day) else 1
    firm_of_pair = np.unique(codes * span + day) // span
    counts = np.bincount(firm_of_pair, minlength=len(firm.cat.categories))
    some = np.flatnonzero(counts)
    names = firm.cat.categories.astype(str)[some]
    return pd.Series(counts[some].astype(float), index=pd.Index(names, name="firm")).sort_index()


def order_fills(service: pd.DataFrame) -> tuple[float, float]:
    """(order fill, regional fill) of the service frame's rows, NaN when nothing was ordered."""
    ordered = float(service["ordered"].sum()) if len(service) else 0.0
    if ordered <= 0.0:
        return math.nan, math.nan
    shortfall, delivered = float(service["shortfall"].sum()), float(service["delivered"].sum())
    return (ordered - shortfall) / ordered, delivered / ordered


def buyers(scenario: Scenario) -> list[str]:
    """Ids of the buyers (firms whose ``buyer`` flag is set; the city type sets it)."""
    return [fid for fid, firm in scenario.firms.items() if firm.buyer]


def order_shares(service: pd.DataFrame) -> tuple[float, float]:
    """(substituted share of what was delivered, imported share of what was ordered)."""
    ordered = float(service["ordered"].sum()) if len(service) else 0.0
    if ordered <= 0.0:
        return math.nan, math.nan
    delivered = float(service["delivered"].sum())
    substituted = float(service["substituted"].sum()) / delivered if delivered > 0 else 0.0
    return substituted, float(service["imported"].sum()) / ordered


__all__ = [
    "SHORT_RTOL",
    "buyers",
    "fill",
    "order_fills",
    "order_shares",
    "planned_days",
    "process_weights_t",
    "short_days",
    "use_fill",
    "use_fill_by_firm",
    "use_table",
]
