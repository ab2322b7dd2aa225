"""People indicators: jobs and buyers' fill rate (the population fed is in :mod:`.food`)."""

from __future__ import annotations

import pandas as pd

from mfcsim.indicators.registry import indicator
from mfcsim.indicators.window import Scoped, Window, by_scope


@indicator(
    "jobs_fte",
    unit="FTE",
    pillar="people",
    scopes=("cluster", "firm"),
    definition="Jobs at the firms (FirmSpec.fte), weighted by the share of the period each "
    "firm is in the cluster (from its join_day).",
)
def jobs_fte(window: Window) -> Scoped:
    """Full-time equivalents per firm and for the cluster."""
    start, end = window.period.start_day, window.period.end_day
    fte = {}
    for fid, firm in window.scenario.firms.items():
        present = max(0.0, end - max(start, float(firm.join_day)))
        fte[fid] = firm.fte * present / window.period.days
    return by_scope(pd.Series(fte, dtype=float), "firm")


@indicator(
    "fill_rate",
    unit="share",
    pillar="people",
    scopes=("cluster", "firm", "material"),
    definition="Share of buyers' daily order lines served in full (service frame; firm: "
    "each buyer).",
)
def fill_rate(window: Window) -> Scoped:
    """Order lines in full over order lines."""
    service = window.frame("service")
    if service.empty:
        return {"cluster": float("nan")}
    in_full = service["in_full"].astype(float)
    per_buyer = in_full.groupby(service["buyer"], observed=True).mean()
    per_material = in_full.groupby(service["material"], observed=True).mean()
    return {
        "cluster": float(in_full.mean()),
        **by_scope(per_buyer, "firm", total=False),
        **by_scope(per_material, "material", total=False),
    }
