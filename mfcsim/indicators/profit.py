"""Profit indicators: value added and margin of the firms; households apart; residue trade.

The model prices trade, not operations. Regional trade is valued at the supplier's sale
price, booked at dispatch: the material's price, or, for goods a firm resells (materials none
of its recipes makes) when it, or its type under ``markups:``, declares a ``markup``, its
average purchase cost of the material in the period × (1 + markup), so that reselling at
cost is a trade margin of zero. A negative price (slurry) is paid by the supplier to the
receiver. The supplier pays the transport.

Households are final consumers, not producers (SNA 2008): firms of a household type (the
``city``) are left out of the firms' figures, and their purchases of food are their own
indicator, ``household_food_expenditure_eur``. The cluster's figures sum the firms, so trade
between firms cancels in their margin and value added, and sales to households count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mfcsim.coded import is_in
from mfcsim.indicators.registry import SCOPES_FIRM, indicator
from mfcsim.indicators.window import (
    Scoped,
    Window,
    by_scope,
    firm_column,
    per_run,
    per_window,
    sum_by,
)

#: Firm types whose firms are households (final consumers), not producers.
HOUSEHOLD_TYPES = ("city",)


@per_run
def _resellers(window: Window) -> dict[str, tuple[float, set[str]]]:
    """Firms with a markup (their own, else their type's): firm -> (markup, what they make)."""
    by_type = window.scenario.markups
    out = {}
    for fid, firm in window.scenario.firms.items():
        markup = firm.markup if firm.markup is not None else by_type.get(firm.type)
        if markup is not None:
            made = {m for proc in firm.processes.values() for m in proc.outputs}
            out[fid] = (float(markup), made)
    return out


#: What :func:`_unit_cost` reads of the import rows.
PURCHASE_COLUMNS = ("target", "material", "quantity", "value_eur")


def _unit_cost(trade: pd.DataFrame, imports: pd.DataFrame) -> pd.Series:
    """Average purchase cost per unit, by (firm, material): regional purchases and imports."""
    bought = pd.DataFrame(
        {
            "firm": np.concatenate([trade["receiver"].astype(str), imports["target"].astype(str)]),
            "material": np.concatenate(
                [trade["material"].astype(str), imports["material"].astype(str)]
            ),
            "value": np.concatenate([trade["value_eur"], imports["value_eur"]]),
            "quantity": np.concatenate([trade["quantity"], imports["quantity"]]),
        }
    )
    sums = bought.groupby(["firm", "material"])[["value", "quantity"]].sum()
    return (sums["value"] / sums["quantity"].where(sums["quantity"] > 0)).dropna()


def _resold(trade: pd.DataFrame, firm: str, made: set[str]) -> np.ndarray:
    """Rows of ``trade`` that ``firm`` sells and does not make."""
    return ((trade["supplier"] == firm) & ~trade["material"].isin(made)).to_numpy()


@per_window
def regional_trade(window: Window) -> pd.DataFrame:
    """Shipments of the period with ``value_eur``, the supplier's sale value.

    Resellers' sale prices follow their purchase costs, which may themselves be a reseller's
    sale prices: the values are settled in as many passes as there are resellers.
    """
    ships = window.frame("shipments")
    price = ships["material"].map(window.materials["price_eur_per_unit"]).to_numpy(dtype=float)
    trade = ships.assign(value_eur=ships["quantity"].to_numpy() * price)
    resellers = _resellers(window)
    imports = window.rows("import", PURCHASE_COLUMNS)
    for _ in range(len(resellers)):
        cost = _unit_cost(trade, imports)
        value = trade["value_eur"].to_numpy().copy()
        for firm, (markup, made) in resellers.items():
            rows = _resold(trade, firm, made)
            keys = pd.MultiIndex.from_arrays(
                [[firm] * int(rows.sum()), trade.loc[rows, "material"].astype(str)]
            )
            unit = cost.reindex(keys).to_numpy() * (1.0 + markup)
            value[rows] = np.where(np.isnan(unit), value[rows], unit * trade.loc[rows, "quantity"])
        trade = trade.assign(value_eur=value)
    return trade


@per_window
def money(window: Window) -> pd.DataFrame:
    """Per firm (households too): revenue, costs and change in stock value of the period."""
    trade = regional_trade(window)
    value = trade["value_eur"]
    paid, received = value.clip(lower=0.0).to_numpy(), (-value.clip(upper=0.0)).to_numpy()
    firms = window.firm_ids()
    revenue = [
        sum_by(trade, "supplier", paid),
        sum_by(trade, "receiver", received),
        sum_by(window.rows("export", ("source", "value_eur")), "source", "value_eur"),
    ]
    dispatch = window.rows("shipment", ("source", "value_eur"))
    costs = [
        sum_by(trade, "receiver", paid),
        sum_by(trade, "supplier", received),
        sum_by(window.rows("import", ("target", "value_eur")), "target", "value_eur"),
        sum_by(window.rows("disposal", ("source", "value_eur")), "source", "value_eur"),
        sum_by(dispatch[is_in(dispatch["source"], firms)], "source", "value_eur"),
    ]
    if window.scenario.cooperative is not None:
        coop = cooperative_terms(window)
        revenue.append(coop["premium_eur"])
        costs.extend([coop["fees_eur"], -coop["savings_eur"], coop["premium_paid_eur"]])
    if window.scenario.agent_costs is not None:
        costs.append(agent_fee_terms(window))
    if window.scenario.machine_pools:
        costs.append(machine_cost_terms(window))
    frame = pd.DataFrame(index=pd.Index(firms, name="firm"))
    frame["revenue_eur"] = _total(revenue, frame.index)
    frame["costs_eur"] = _total(costs, frame.index)
    frame["stock_change_eur"] = _stock_value_change(window).reindex(frame.index, fill_value=0.0)
    return frame


def machine_cost_terms(window: Window) -> pd.Series:
    """Per farm, what it paid the machine pools for its operations requested in the period.

    A hired machine is a service the farm buys (intermediate consumption in the SNA), so it
    is a cost of the farm, as the cooperative's and the agent's fees are.
    """
    ops = window.frame("machines")
    if ops.empty:
        return pd.Series(dtype=float)
    return ops["cost_eur"].astype(float).groupby(ops["firm"].astype(str)).sum()


def cooperative_terms(window: Window) -> pd.DataFrame:
    """Per firm, the cooperative's money of the period (all zero without a cooperative).

    Columns ``premium_eur`` (received by members), ``fees_eur`` and ``savings_eur`` (of
    members) and ``premium_paid_eur`` (by buyer firms); see :mod:`.cooperative`.
    """
    from mfcsim.indicators.cooperative import settlement  # it values sales with this module

    columns = ["premium_eur", "fees_eur", "savings_eur", "premium_paid_eur"]
    done = settlement(window)
    if done is None:
        return pd.DataFrame(columns=columns, dtype=float)
    terms = done.members[columns[:3]].astype(float)
    paid = done.premium_paid.rename("premium_paid_eur")
    return terms.join(paid, how="outer").fillna(0.0)


def agent_fee_terms(window: Window) -> pd.Series:
    """Per paying firm, its fee for the regional agent's operating cost (:mod:`.cooperative`)."""
    from mfcsim.indicators.cooperative import agent_settlement  # it reads HOUSEHOLD_TYPES

    done = agent_settlement(window)
    return pd.Series(dtype=float) if done is None else done.fees


def _stock_value_change(window: Window) -> pd.Series:
    """Per node: value of its stocks (at the material's price) at the period's end − start."""
    stocks = window.results.stocks
    t = stocks["t_day"].to_numpy()
    price = stocks["material"].map(window.materials["price_eur_per_unit"]).to_numpy(dtype=float)
    value = stocks["quantity"].to_numpy() * np.nan_to_num(price)
    start, end = window.period.start_day, window.period.end_day
    last = min(end, float(t.max())) if len(t) else end
    at_end = sum_by(stocks[t == last], "node", value[t == last])
    at_start = sum_by(stocks[t == start], "node", value[t == start])
    return at_end.sub(at_start, fill_value=0.0)


def _total(parts: list[pd.Series], index: pd.Index) -> np.ndarray:
    return sum((p.reindex(index, fill_value=0.0).to_numpy() for p in parts), np.zeros(len(index)))


@per_window
def _firms(window: Window) -> pd.DataFrame:
    """The money table of the firms that are producers (households left out)."""
    households = {f for t in HOUSEHOLD_TYPES for f in window.firm_ids(t)}
    frame = money(window)
    return frame[~frame.index.isin(list(households))]


for _name, _definition in (
    (
        "revenue_eur",
        "Firms (households left out): exports plus regional sales at the supplier's sale price.",
    ),
    (
        "costs_eur",
        "Firms (households left out): intermediate consumption: imports, regional purchases, "
        "transport (paid by the supplier) and disposal fees.",
    ),
):
    indicator(_name, unit="EUR", pillar="profit", scopes=SCOPES_FIRM, definition=_definition)(
        firm_column(_firms, _name)
    )


@indicator(
    "margin_eur",
    unit="EUR",
    pillar="profit",
    scopes=SCOPES_FIRM,
    definition="Firms (households left out): revenue minus costs of trade (operating costs "
    "are not modelled).",
)
def margin_eur(window: Window) -> Scoped:
    """Margin per firm and for the firms of the cluster."""
    frame = _firms(window)
    return by_scope(frame["revenue_eur"] - frame["costs_eur"], "firm")


@indicator(
    "value_added_eur",
    unit="EUR",
    pillar="profit",
    scopes=SCOPES_FIRM,
    definition="Gross value added of the firms (SNA 2008; households left out): output (sales "
    "+ change in the value of stocks, at the material's price) − intermediate consumption "
    "(costs_eur).",
)
def value_added_eur(window: Window) -> Scoped:
    """Value added per firm and for the firms of the cluster."""
    frame = _firms(window)
    return by_scope(frame["revenue_eur"] - frame["costs_eur"] + frame["stock_change_eur"], "firm")


@indicator(
    "trade_margin_eur",
    unit="EUR",
    pillar="profit",
    scopes=SCOPES_FIRM,
    definition="Trade margin (SNA) of firms with a markup: sales of goods they resell minus "
    "their purchase cost (average in the period; the material's price if none was bought).",
)
def trade_margin_eur(window: Window) -> Scoped:
    """Sales of resold goods minus the cost of the goods sold, per reseller."""
    trade = regional_trade(window)
    cost = _unit_cost(trade, window.rows("import", PURCHASE_COLUMNS))
    exports = window.rows("export", ("source", "material", "quantity", "value_eur"))
    margins = {}
    for firm, (_, made) in _resellers(window).items():
        sold = pd.concat(
            [
                trade.loc[_resold(trade, firm, made), ["material", "quantity", "value_eur"]],
                exports.loc[
                    ((exports["source"] == firm) & ~exports["material"].isin(made)).to_numpy(),
                    ["material", "quantity", "value_eur"],
                ],
            ]
        )
        price = sold["material"].map(window.materials["price_eur_per_unit"]).astype(float)
        keys = pd.MultiIndex.from_arrays([[firm] * len(sold), sold["material"].astype(str)])
        unit = pd.Series(cost.reindex(keys).to_numpy(), index=sold.index).fillna(price)
        margins[firm] = float((sold["value_eur"] - sold["quantity"] * unit).sum())
    return by_scope(pd.Series(margins, dtype=float), "firm")


@indicator(
    "household_food_expenditure_eur",
    unit="EUR",
    pillar="people",
    scopes=SCOPES_FIRM,
    definition="Final consumption expenditure of households (firms of type city): their "
    "regional purchases at the supplier's sale price plus their own imports; not in the "
    "firms' value added.",
)
def household_food_expenditure_eur(window: Window) -> Scoped:
    """What each household firm paid for the goods it received, and their sum."""
    households = [f for t in HOUSEHOLD_TYPES for f in window.firm_ids(t)]
    trade = regional_trade(window)
    paid = trade["value_eur"].clip(lower=0.0).to_numpy()
    spent = sum_by(trade, "receiver", paid).add(
        sum_by(window.rows("import", ("target", "value_eur")), "target", "value_eur"),
        fill_value=0.0,
    )
    if window.scenario.cooperative is not None:
        spent = spent.add(cooperative_terms(window)["premium_paid_eur"], fill_value=0.0)
    return by_scope(spent.reindex(households).fillna(0.0), "firm")


@per_window
def residue_trade(window: Window) -> pd.DataFrame:
    """Residues shipped in the region (dispatch) or exported, one row each.

    Columns ``material, quantity, mass_t, value_eur`` (the sale value: positive paid to the
    supplier, negative paid by it) and ``fee_eur``, the gate fee of the material's disposal
    route that the supplier did not pay.
    """
    residues = window.ids_of_kind("residue")
    trade = regional_trade(window)
    trade = trade[trade["material"].isin(residues).to_numpy()]
    exports = window.rows("export", ("material", "quantity", "value_eur"), materials=residues)
    mass = window.materials["mass_t_per_unit"]
    frame = pd.DataFrame(
        {
            "material": np.concatenate(
                [trade["material"].astype(str), exports["material"].astype(str)]
            ),
            "quantity": np.concatenate([trade["quantity"], exports["quantity"]]),
            "value_eur": np.concatenate([trade["value_eur"], exports["value_eur"]]),
        }
    )
    frame["mass_t"] = frame["quantity"] * frame["material"].map(mass).astype(float)
    frame["fee_eur"] = frame["quantity"] * frame["material"].map(_gate_fee(window)).astype(float)
    frame["material"] = frame["material"].astype("category")
    return frame


@per_run
def _gate_fee(window: Window) -> dict[str, float]:
    """Per material: the gate fee (EUR per unit) of the disposal route it would take."""
    boundary = window.scenario.boundary
    out = {}
    for mid, mat in window.scenario.materials.items():
        default = (
            boundary.energy_disposal if mat.dimension == "energy" else boundary.default_disposal
        )
        out[mid] = float(boundary.disposal[mat.disposal or default].gate_fee)
    return out


@indicator(
    "residues_traded_t",
    unit="t",
    pillar="profit",
    scopes=("cluster", "material"),
    definition="Mass of residues shipped in the region (at dispatch) or exported.",
)
def residues_traded_t(window: Window) -> Scoped:
    """Residue trade volume, per residue and for the cluster."""
    return by_scope(sum_by(residue_trade(window), "material", "mass_t"), "material")


@indicator(
    "residues_traded_value_eur",
    unit="EUR",
    pillar="profit",
    scopes=("cluster", "material"),
    definition="Value of residue trade at the supplier's sale price (regional) or the export "
    "price. Sign: positive is paid to the supplier; negative is paid by the supplier to be "
    "rid of it (slurry at a negative price): a cost of its disposal, not a loss of value.",
)
def residues_traded_value_eur(window: Window) -> Scoped:
    """Value of residue trade, per residue and for the cluster."""
    return by_scope(sum_by(residue_trade(window), "material", "value_eur"), "material")


@indicator(
    "residue_gate_fees_avoided_eur",
    unit="EUR",
    pillar="profit",
    scopes=("cluster", "material"),
    definition="Gate fees the suppliers of traded residues did not pay: traded quantity × the "
    "gate fee of the material's disposal route. A saving (positive), reported beside the "
    "trade value, not added to revenue.",
)
def residue_gate_fees_avoided_eur(window: Window) -> Scoped:
    """Disposal fees avoided by trading residues, per residue and for the cluster."""
    return by_scope(sum_by(residue_trade(window), "material", "fee_eur"), "material")


@indicator(
    "household_food_expenditure_eur_per_capita_yr",
    unit="EUR/person/yr",
    pillar="people",
    scopes=SCOPES_FIRM,
    definition="household_food_expenditure_eur per inhabitant (the city's population) per "
    "year (the period annualised: × 365 / its days).",
)
def household_food_expenditure_eur_per_capita_yr(window: Window) -> Scoped:
    """Food expenditure per inhabitant and year, per city and for all cities."""
    spent = household_food_expenditure_eur(window)
    people = {
        f: float(window.scenario.firms[f].params.get("population", 0.0))
        for t in HOUSEHOLD_TYPES
        for f in window.firm_ids(t)
    }
    years = window.period.days / 365.0
    total = sum(people.values())
    out = {"cluster": spent["cluster"] / total / years if total > 0 else float("nan")}
    out.update({f"firm:{f}": spent[f"firm:{f}"] / n / years for f, n in people.items() if n > 0})
    return out
