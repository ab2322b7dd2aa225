"""The frames of a run folder as the figures take them (read by :mod:`mfcsim.runfiles`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass(frozen=True)
class RunData:
    """One run's tidy frames, in the columns of the run folder's files.

    Attributes:
        label: A short name for the run (its folder name).
        flows: The ledger (``flows.parquet``).
        stocks: Daily stocks (``stocks.parquet``).
        nodes: ``node, role, type`` and, where known, ``sector`` and ``x_km, y_km`` or
            ``lat, lon``.
        materials: ``materials.parquet``.
        shipments: One row per shipment (may be empty).
        service: Buyers' orders and deliveries per day (may be empty).
        events: Disruptions as they happened (may be empty).
        indicators: The long frame ``indicator, scope, period, value, unit`` (may be empty).
        substance_flows: The ledger per substance (may be empty).
        provenance: Where each number of the scenario comes from (may be empty).
        daily_fill: ``t_day, buyer, measure, value``: order fill and regional fill per day, for
            all buyers (``buyer`` "") and each buyer, as
            :mod:`mfcsim.indicators.service_levels` defines them (may be empty).
        periods: ``period, start_day, end_day`` of the evaluation periods (may be empty).
        info: Scenario name, seed, days and firms (nothing that changes between two runs
            of the same seed).
        pillars: Indicator name to pillar (people, planet, profit); others go to "other".
        cache: Frames derived from these (the ledger in a layer's unit, ...), made once.
    """

    label: str
    flows: pd.DataFrame
    stocks: pd.DataFrame
    nodes: pd.DataFrame
    materials: pd.DataFrame
    shipments: pd.DataFrame = field(default_factory=_empty)
    service: pd.DataFrame = field(default_factory=_empty)
    events: pd.DataFrame = field(default_factory=_empty)
    indicators: pd.DataFrame = field(default_factory=_empty)
    substance_flows: pd.DataFrame = field(default_factory=_empty)
    provenance: pd.DataFrame = field(default_factory=_empty)
    daily_fill: pd.DataFrame = field(default_factory=_empty)
    periods: pd.DataFrame = field(default_factory=_empty)
    info: Mapping[str, Any] = field(default_factory=dict)
    pillars: Mapping[str, str] = field(default_factory=dict)
    cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def cached(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()``, computed once per key for this run (derived frames, never the files)."""
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]

    @property
    def horizon_day(self) -> float:
        """The last day boundary the stocks reach (the run's length in days)."""
        return float(self.stocks["t_day"].max()) if len(self.stocks) else 0.0

    @property
    def firms(self) -> list[str]:
        """The firms' ids, in the order of ``nodes``."""
        return [str(n) for n in self.nodes.loc[self.nodes["role"] == "firm", "node"]]

    @property
    def boundary(self) -> set[str]:
        """The boundary nodes (import, export, environment, sinks, disposal routes)."""
        return {str(n) for n in self.nodes.loc[self.nodes["role"] == "boundary", "node"]}

    def sector_of(self) -> dict[str, str]:
        """Firm id to sector (the ``sector`` column, else the firm type)."""
        return dict(self.cached("sector_of", self._sectors))

    def _sectors(self) -> dict[str, str]:
        firms = self.nodes[self.nodes["role"] == "firm"]
        column = "sector" if "sector" in firms.columns else "type"
        return dict(zip(firms["node"].astype(str), firms[column].astype(str), strict=True))


@dataclass(frozen=True)
class ComparisonData:
    """A comparison folder of ``mfcsim compare``: indicators only, paired by replication.

    Attributes:
        label: A short name (the folder's name).
        table: ``comparison.parquet``: per indicator, scope, period and unit the means of A
            and B, the difference B − A and its 95 % confidence interval.
        info: What was compared (``comparison.json`` without its rows).
        pillars: Indicator name to pillar.
    """

    label: str
    table: pd.DataFrame
    info: Mapping[str, Any] = field(default_factory=dict)
    pillars: Mapping[str, str] = field(default_factory=dict)
