"""Planet indicators: residues, circularity, virgin input, disposal, food, transport, CO2e."""

from __future__ import annotations

import pandas as pd

from mfcsim.indicators.registry import indicator
from mfcsim.indicators.window import Window, by_scope


def _tkm(window: Window) -> pd.DataFrame:
    """Dispatch rows of road shipments (distance > 0) with their t·km."""
    ships = window.rows("shipment")
    ships = ships[ships["distance_km"].to_numpy() > 0]
    return ships.assign(tkm=ships["mass_t"] * ships["distance_km"])


@indicator(
    "transport_tkm",
    unit="t*km",
    pillar="planet",
    scopes=("cluster", "firm", "material"),
    definition="Mass shipped in the region times road distance (firm: as supplier).",
)
def transport_tkm(window: Window) -> pd.Series:
    """t·km of every shipment dispatched in the period."""
    ships = _tkm(window)
    firms = by_scope(ships.groupby("source", observed=True)["tkm"].sum(), "firm")
    materials = by_scope(ships.groupby("material", observed=True)["tkm"].sum(), "material")
    return pd.concat([firms, materials.drop("cluster")])
