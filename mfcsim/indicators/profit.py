"""Profit indicators: revenue, costs and margin of trade, and the value of residues traded.

The model prices trade, not operations: revenue is exports plus regional sales; costs are
imports, regional purchases, transport and disposal fees. Regional trade is valued at the
material's price (a negative price, e.g. for slurry, is paid by the supplier to the
receiver) and booked at dispatch; the supplier pays the transport. The cluster's figures are
sums over firms, so regional trade appears on both sides and cancels in the margin.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mfcsim.coded import is_in
from mfcsim.indicators.registry import SCOPES_FIRM, indicator
from mfcsim.indicators.window import Scoped, Window, by_scope, firm_column, per_window, sum_by


@per_window
def _regional_trade(window: Window) -> pd.DataFrame:
    """Shipments of the period with ``value_eur`` = quantity × the material's price."""
    ships = window.frame("shipments")
    price = ships["material"].map(window.materials["price_eur_per_unit"]).to_numpy(dtype=float)
    return ships.assign(value_eur=ships["quantity"].to_numpy() * price)


@per_window
def money(window: Window) -> pd.DataFrame:
    """Per firm: ``revenue_eur`` and ``costs_eur`` of the period."""
    trade = _regional_trade(window)
    value = trade["value_eur"]
    paid, received = value.clip(lower=0.0).to_numpy(), (-value.clip(upper=0.0)).to_numpy()
    firms = window.firm_ids()
    revenue = [
        sum_by(trade, "supplier", paid),
        sum_by(trade, "receiver", received),
        sum_by(window.rows("export"), "source", "value_eur"),
    ]
    dispatch = window.rows("shipment")
    costs = [
        sum_by(trade, "receiver", paid),
        sum_by(trade, "supplier", received),
        sum_by(window.rows("import"), "target", "value_eur"),
        sum_by(window.rows("disposal"), "source", "value_eur"),
        sum_by(dispatch[is_in(dispatch["source"], firms)], "source", "value_eur"),
    ]
    frame = pd.DataFrame(index=pd.Index(firms, name="firm"))
    frame["revenue_eur"] = _total(revenue, frame.index)
    frame["costs_eur"] = _total(costs, frame.index)
    return frame


def _total(parts: list[pd.Series], index: pd.Index) -> np.ndarray:
    return sum((p.reindex(index, fill_value=0.0).to_numpy() for p in parts), np.zeros(len(index)))


for _name, _definition in (
    ("revenue_eur", "Exports plus regional sales at the material's price."),
    (
        "costs_eur",
        "Imports, regional purchases at the material's price, transport (paid by the supplier) "
        "and disposal fees.",
    ),
):
    indicator(_name, unit="EUR", pillar="profit", scopes=SCOPES_FIRM, definition=_definition)(
        firm_column(money, _name)
    )


@indicator(
    "margin_eur",
    unit="EUR",
    pillar="profit",
    scopes=SCOPES_FIRM,
    definition="Revenue minus costs (trade margin; operating costs are not modelled).",
)
def margin_eur(window: Window) -> Scoped:
    """Margin per firm and for the cluster."""
    frame = money(window)
    return by_scope(frame["revenue_eur"] - frame["costs_eur"], "firm")


@indicator(
    "residues_traded_value_eur",
    unit="EUR",
    pillar="profit",
    scopes=("cluster", "material"),
    definition="Value of residues shipped in the region (at their price) and exported.",
)
def residues_traded_value_eur(window: Window) -> Scoped:
    """Value of residue trade, per residue material and for the cluster."""
    residues = window.ids_of_kind("residue")
    trade = _regional_trade(window)
    trade = trade[trade["material"].isin(residues).to_numpy()]
    exports = window.rows("export")
    exports = exports[exports["material"].isin(residues).to_numpy()]
    values = sum_by(trade, "material", "value_eur").add(
        sum_by(exports, "material", "value_eur"), fill_value=0.0
    )
    return by_scope(values, "material")
