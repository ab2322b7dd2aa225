"""The cooperative's settlement: tiered purchase prices, the brand premium and the fees.

Money, not mass: the run's flows are what they are; the cooperative settles its members'
trade of the period from the ledger (:class:`~mfcsim.scenario.cooperative.CooperativeSpec`):

- **Purchases.** A member's import of a declared material is bought through the
  cooperative. The cooperative's volume of a material on a day is the mass all members
  imported of it that day; the tier is the last whose ``from_volume`` the volume reaches
  (a volume equal to a tier's bound is in that tier), and its discount applies to every unit
  bought that day (an all-units discount). The member pays the import value × (1 −
  discount); the saving is the import value × discount. Import values are those of the
  ledger, so price series and policy events are followed.
- **Sales.** A member's sale of a declared product to a declared buyer (a firm, or
  ``export``) is sold jointly: the buyer pays the sale value (the supplier's sale price, as
  in :mod:`.profit`; the export price) × (1 + premium). The premium of each product is pooled
  and paid out to the members pro rata to the quantity of it each delivered in the period.
- **Costs and fees.** Operating cost = staff per day × the period's days + handling per
  tonne × the tonnes bought and sold through it. A subsidy pays up to that cost on its days;
  the rest is charged to the members: in equal shares (``per_member``) or pro rata to each
  member's tonnes through it (``per_tonne``; equal shares if nobody traded).

:mod:`.profit` books the saving (lower intermediate consumption), the premium received (more
output), the premium paid by buyers and the fees (intermediate consumption: a service bought
from the cooperative) in the firms' money, so value added includes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mfcsim.indicators.registry import SCOPES_FIRM, indicator, report_only_with
from mfcsim.indicators.window import Scoped, Window, by_scope, per_window
from mfcsim.scenario.cooperative import EXPORT, CooperativeSpec, OperatingCostSpec, TierSpec

#: Columns of the members table (``cooperative.parquet``), after ``firm``.
MEMBER_COLUMNS = (
    "purchases_t",
    "purchases_eur",
    "savings_eur",
    "sales_t",
    "sales_eur",
    "premium_eur",
    "coop_revenue_eur",
    "fees_eur",
    "sold_t",
)


def tier_discount(volume_t: np.ndarray, tiers: list[TierSpec]) -> np.ndarray:
    """The discount of each daily volume: that of the last tier whose bound it reaches.

    A volume below the first tier's bound has no discount (the import price).
    """
    bounds = np.array([t.from_volume for t in tiers], dtype=float)
    discounts = np.array([0.0, *(t.discount for t in tiers)])
    return discounts[np.searchsorted(bounds, np.asarray(volume_t, dtype=float), side="right")]


def purchase_rows(imports: pd.DataFrame, coop: CooperativeSpec, mass: pd.Series) -> pd.DataFrame:
    """The members' imports of declared materials with their tier, price paid and saving.

    Args:
        imports: Import rows: ``t_day, target, material, quantity, value_eur``.
        coop: The cooperative.
        mass: Tonnes per unit, by material id.

    Returns:
        ``firm, material, day, mass_t, value_eur, volume_t, discount, paid_eur, saving_eur``.
    """
    rows = imports[
        imports["target"].astype(str).isin(coop.members).to_numpy()
        & imports["material"].astype(str).isin(list(coop.purchases)).to_numpy()
    ]
    out = pd.DataFrame(
        {
            "firm": rows["target"].astype(str).to_numpy(),
            "material": rows["material"].astype(str).to_numpy(),
            "day": np.floor(rows["t_day"].to_numpy(dtype=float)).astype(np.int64),
            "value_eur": rows["value_eur"].to_numpy(dtype=float),
        }
    )
    out["mass_t"] = rows["quantity"].to_numpy(dtype=float) * out["material"].map(mass).to_numpy(
        dtype=float
    )
    out["volume_t"] = out.groupby(["material", "day"])["mass_t"].transform("sum")
    out["discount"] = 0.0
    for mid, spec in coop.purchases.items():
        mine = (out["material"] == mid).to_numpy()
        out.loc[mine, "discount"] = tier_discount(out.loc[mine, "volume_t"].to_numpy(), spec.tiers)
    out["saving_eur"] = out["value_eur"] * out["discount"]
    out["paid_eur"] = out["value_eur"] - out["saving_eur"]
    return out


def premium_split(sales: pd.DataFrame, coop: CooperativeSpec) -> pd.DataFrame:
    """Each joint sale's premium, and each member's share of its product's pool.

    Args:
        sales: Joint sales: ``firm, buyer, material, quantity, mass_t, value_eur`` (the sale
            value without the premium).
        coop: The cooperative.

    Returns:
        ``sales`` with ``premium_paid_eur`` (by the buyer) and ``premium_eur`` (received by
        the row's member: the pool of its product × its quantity / the product's quantity).
    """
    rate = sales["material"].map({m: s.premium for m, s in coop.sales.items()}).astype(float)
    paid = sales["value_eur"].clip(lower=0.0) * rate
    pool = paid.groupby(sales["material"]).transform("sum")
    volume = sales.groupby("material")["quantity"].transform("sum")
    received = (pool * sales["quantity"] / volume.where(volume > 0)).fillna(0.0)
    return sales.assign(premium_paid_eur=paid.to_numpy(), premium_eur=received.to_numpy())


def subsidy_eur(costs: OperatingCostSpec, start_day: float, end_day: float) -> float:
    """The subsidy of the days ``[start_day, end_day)`` (before it is capped at the cost)."""
    sub = costs.subsidy
    if sub is None:
        return 0.0
    last = end_day if sub.end_day is None else min(end_day, float(sub.end_day))
    return sub.eur_per_day * max(0.0, last - max(start_day, float(sub.start_day)))


def operating_cost(
    costs: OperatingCostSpec, handled_t: float, period: tuple[float, float]
) -> tuple[float, float]:
    """Staff × days + handling × ``handled_t``, and the subsidy of the period (at most that)."""
    cost = costs.staff_eur_per_day * (period[1] - period[0]) + costs.handling_eur_per_t * handled_t
    return cost, min(cost, subsidy_eur(costs, *period))


def fee_shares(costs: OperatingCostSpec, due_eur: float, handled_t: pd.Series) -> pd.Series:
    """``due_eur`` shared among the members (the index of ``handled_t``) by the fee rule."""
    total = float(handled_t.sum())
    if costs.fee == "per_tonne" and total > 0:
        return due_eur * handled_t / total
    return pd.Series(due_eur / len(handled_t), index=handled_t.index)


@dataclass(frozen=True)
class Settlement:
    """The cooperative's settlement of one period.

    Attributes:
        members: One row per member (index ``firm``), columns :data:`MEMBER_COLUMNS`.
        premium_paid: Premium paid by each buyer firm (exports left out), EUR.
        operating_cost_eur: Staff and handling cost of the period.
        subsidy_eur: Subsidy used (at most the operating cost).
    """

    members: pd.DataFrame
    premium_paid: pd.Series
    operating_cost_eur: float
    subsidy_eur: float


def joint_sales(
    trade: pd.DataFrame, exports: pd.DataFrame, coop: CooperativeSpec, mass: pd.Series
) -> pd.DataFrame:
    """Members' sales of declared products to declared buyers (regional trade and exports).

    Args:
        trade: Regional trade with ``supplier, receiver, material, quantity, value_eur``.
        exports: Export rows: ``source, material, quantity, value_eur``.
        coop: The cooperative.
        mass: Tonnes per unit, by material id.

    Returns:
        ``firm, buyer, material, quantity, mass_t, value_eur``.
    """
    products = list(coop.sales)
    regional = trade[
        trade["supplier"].astype(str).isin(coop.members).to_numpy()
        & trade["receiver"].astype(str).isin(coop.buyers).to_numpy()
        & trade["material"].astype(str).isin(products).to_numpy()
    ]
    parts = [
        pd.DataFrame(
            {
                "firm": regional["supplier"].astype(str).to_numpy(),
                "buyer": regional["receiver"].astype(str).to_numpy(),
                "material": regional["material"].astype(str).to_numpy(),
                "quantity": regional["quantity"].to_numpy(dtype=float),
                "value_eur": regional["value_eur"].to_numpy(dtype=float),
            }
        )
    ]
    if EXPORT in coop.buyers:
        out = exports[
            exports["source"].astype(str).isin(coop.members).to_numpy()
            & exports["material"].astype(str).isin(products).to_numpy()
        ]
        parts.append(
            pd.DataFrame(
                {
                    "firm": out["source"].astype(str).to_numpy(),
                    "buyer": EXPORT,
                    "material": out["material"].astype(str).to_numpy(),
                    "quantity": out["quantity"].to_numpy(dtype=float),
                    "value_eur": out["value_eur"].to_numpy(dtype=float),
                }
            )
        )
    sales = pd.concat(parts, ignore_index=True)
    sales["mass_t"] = sales["quantity"] * sales["material"].map(mass).astype(float)
    return sales


def settle(
    coop: CooperativeSpec,
    bought: pd.DataFrame,
    sold: pd.DataFrame,
    all_sold_t: pd.Series,
    period: tuple[float, float],
) -> Settlement:
    """The settlement from the purchase rows, the joint sales and the period.

    Args:
        coop: The cooperative.
        bought: :func:`purchase_rows`.
        sold: :func:`premium_split` of :func:`joint_sales`.
        all_sold_t: Per member, tonnes of the declared products it sold to anyone.
        period: ``(start_day, end_day)``.
    """
    index = pd.Index(coop.members, name="firm")
    table = pd.DataFrame(index=index)

    def by_firm(frame: pd.DataFrame, column: str) -> pd.Series:
        return frame.groupby("firm")[column].sum().reindex(index, fill_value=0.0)

    table["purchases_t"] = by_firm(bought, "mass_t")
    table["purchases_eur"] = by_firm(bought, "paid_eur")
    table["savings_eur"] = by_firm(bought, "saving_eur")
    table["sales_t"] = by_firm(sold, "mass_t")
    table["sales_eur"] = by_firm(sold, "value_eur")
    table["premium_eur"] = by_firm(sold, "premium_eur")
    table["coop_revenue_eur"] = table["sales_eur"] + table["premium_eur"]
    handled_t = table["purchases_t"] + table["sales_t"]
    costs = coop.costs
    cost, subsidy = operating_cost(costs, float(handled_t.sum()), period)
    table["fees_eur"] = fee_shares(costs, cost - subsidy, handled_t)
    table["sold_t"] = all_sold_t.reindex(index, fill_value=0.0)
    regional = sold[sold["buyer"] != EXPORT]
    paid = regional.groupby("buyer")["premium_paid_eur"].sum()
    return Settlement(table[list(MEMBER_COLUMNS)], paid, cost, subsidy)


@per_window
def settlement(window: Window) -> Settlement | None:
    """The cooperative's settlement of the window's period (None: no cooperative)."""
    from mfcsim.indicators.profit import regional_trade  # profit books this settlement

    coop = window.scenario.cooperative
    if coop is None:
        return None
    mass = window.materials["mass_t_per_unit"]
    trade = regional_trade(window)
    exports = window.rows("export", ("source", "material", "quantity", "value_eur"))
    sold = premium_split(joint_sales(trade, exports, coop, mass), coop)
    everything = joint_sales(
        trade, exports, coop.model_copy(update={"buyers": [EXPORT, *window.firm_ids()]}), mass
    )
    all_sold_t = everything.groupby("firm")["mass_t"].sum()
    imports = window.rows("import", ("t_day", "target", "material", "quantity", "value_eur"))
    bought = purchase_rows(imports, coop, mass)
    return settle(coop, bought, sold, all_sold_t, (window.period.start_day, window.period.end_day))


@dataclass(frozen=True)
class AgentSettlement:
    """The regional agent's operating cost of one period and the fees that pay it.

    Attributes:
        fees: Fee of each payer, EUR (index: firm ids).
        matched_t: Tonnes the agent matched (its shipments) in the period.
        operating_cost_eur: Staff and handling cost of the period.
        subsidy_eur: Subsidy used (at most the operating cost).
    """

    fees: pd.Series
    matched_t: float
    operating_cost_eur: float
    subsidy_eur: float


def agent_fees(
    costs: OperatingCostSpec,
    shipments: pd.DataFrame,
    payers: list[str],
    period: tuple[float, float],
) -> AgentSettlement:
    """The regional agent's cost from its shipments, shared among ``payers``.

    Args:
        costs: The agent's operating cost and fee rule.
        shipments: The agent's shipments of the period: ``supplier, receiver, mass_t``.
        payers: The firms sharing the fees; by tonne, a shipment counts for its supplier
            and its receiver alike.
        period: ``(start_day, end_day)``.
    """
    matched_t = float(shipments["mass_t"].sum())
    index = pd.Index(payers, name="firm")
    sent = shipments.groupby("supplier", observed=True)["mass_t"].sum()
    received = shipments.groupby("receiver", observed=True)["mass_t"].sum()
    handled = sent.reindex(index, fill_value=0.0) + received.reindex(index, fill_value=0.0)
    cost, subsidy = operating_cost(costs, matched_t, period)
    fees = fee_shares(costs, cost - subsidy, handled) if payers else pd.Series(dtype=float)
    return AgentSettlement(fees, matched_t, cost, subsidy)


@per_window
def agent_settlement(window: Window) -> AgentSettlement | None:
    """The regional agent's cost and fees of the window's period (None: none declared)."""
    from mfcsim.indicators.profit import HOUSEHOLD_TYPES

    costs = window.scenario.agent_costs
    if costs is None:
        return None
    households = {f for t in HOUSEHOLD_TYPES for f in window.firm_ids(t)}
    payers = list(costs.payers) or [f for f in window.firm_ids() if f not in households]
    ships = window.frame("shipments")
    ships = ships[(ships["origin"].astype(str) == "agent").to_numpy()] if len(ships) else ships
    mass = window.materials["mass_t_per_unit"]
    frame = pd.DataFrame(
        {
            "supplier": ships["supplier"].astype(str).to_numpy() if len(ships) else [],
            "receiver": ships["receiver"].astype(str).to_numpy() if len(ships) else [],
            "mass_t": (
                ships["quantity"].to_numpy(dtype=float)
                * ships["material"].astype(str).map(mass).to_numpy(dtype=float)
                if len(ships)
                else []
            ),
        }
    )
    return agent_fees(costs, frame, payers, (window.period.start_day, window.period.end_day))


@indicator(
    "agent_fees_eur",
    unit="EUR",
    pillar="profit",
    scopes=SCOPES_FIRM,
    definition="Fees the firms paid for the regional agent's operating cost left after the "
    "subsidy (equal shares, or by the tonnes each sent or received through it).",
)
def agent_fees_eur(window: Window) -> Scoped:
    """The agent's fee per paying firm, and their sum."""
    done = agent_settlement(window)
    return {} if done is None else by_scope(done.fees, "firm")


def members_table(window: Window) -> pd.DataFrame:
    """The members table of the window (empty without a cooperative), ``firm`` a column."""
    done = settlement(window)
    if done is None:
        return pd.DataFrame(columns=["firm", *MEMBER_COLUMNS])
    return done.members.reset_index()


def _member_column(column: str) -> Callable[[Window], Scoped]:
    def values(window: Window) -> Scoped:
        done = settlement(window)
        return {} if done is None else by_scope(done.members[column], "firm")

    values.__doc__ = f"``{column}`` of the cooperative's members, per member and in total."
    return values


for _name, _column, _definition in (
    (
        "coop_purchase_savings_eur",
        "savings_eur",
        "Members' imports of the cooperative's purchase materials valued at the import price "
        "minus what they paid at the tier price of the cooperative's daily volume.",
    ),
    (
        "coop_sales_premium_eur",
        "premium_eur",
        "Brand premium paid out to the members: each product's premium (sale value × premium) "
        "shared pro rata to the quantity each member delivered.",
    ),
    (
        "coop_fees_eur",
        "fees_eur",
        "Fees the members paid for the cooperative's operating cost left after the subsidy.",
    ),
):
    indicator(_name, unit="EUR", pillar="profit", scopes=SCOPES_FIRM, definition=_definition)(
        _member_column(_column)
    )


@indicator(
    "coop_revenue_per_member_eur",
    unit="EUR",
    pillar="profit",
    scopes=SCOPES_FIRM,
    definition="Revenue from the cooperative's joint sales (sale value + premium received): "
    "per member, and the mean over the members for the cluster.",
)
def coop_revenue_per_member_eur(window: Window) -> Scoped:
    """Joint-sales revenue per member, and its mean over the members."""
    done = settlement(window)
    if done is None:
        return {}
    revenue = done.members["coop_revenue_eur"]
    return {**by_scope(revenue, "firm"), "cluster": float(revenue.mean())}


@indicator(
    "coop_sold_share",
    unit="share",
    pillar="profit",
    scopes=SCOPES_FIRM,
    definition="Share of the members' output (mass of the cooperative's products they sold "
    "in the region or exported) sold through the cooperative.",
)
def coop_sold_share(window: Window) -> Scoped:
    """Joint sales over all sales of the cooperative's products, by mass."""
    done = settlement(window)
    if done is None:
        return {}
    m = done.members
    out = {"cluster": _ratio(m["sales_t"].sum(), m["sold_t"].sum())}
    out.update({f"firm:{f}": _ratio(r.sales_t, r.sold_t) for f, r in m.iterrows()})
    return out


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den > 0 else float("nan")


def _cost_figure(
    settled: Callable[[Window], Settlement | AgentSettlement | None], field: str
) -> Callable[[Window], Scoped]:
    def values(window: Window) -> Scoped:
        done = settled(window)
        return {} if done is None else {"cluster": float(getattr(done, field))}

    values.__doc__ = f"``{field}`` of ``{settled.__name__}``, for the cluster."
    return values


_SUBSIDY = "(its days in the period × EUR per day, at most the cost)."
for _name, _settled, _field, _definition in (
    (
        "coop_operating_cost_eur",
        settlement,
        "operating_cost_eur",
        "The cooperative's operating cost: staff per day × days + handling per tonne × tonnes "
        "bought and sold through it.",
    ),
    (
        "coop_subsidy_eur",
        settlement,
        "subsidy_eur",
        f"Subsidy paid towards the cooperative's operating cost {_SUBSIDY}",
    ),
    (
        "agent_operating_cost_eur",
        agent_settlement,
        "operating_cost_eur",
        "The regional agent's operating cost: staff per day × days + handling per tonne × the "
        "tonnes it matched (its shipments).",
    ),
    (
        "agent_subsidy_eur",
        agent_settlement,
        "subsidy_eur",
        f"Subsidy paid towards the regional agent's operating cost {_SUBSIDY}",
    ),
):
    indicator(_name, unit="EUR", pillar="profit", definition=_definition)(
        _cost_figure(_settled, _field)
    )


#: Indicators reported only by a scenario that declares a cooperative or the agent's costs
#: (other scenarios' indicator tables are as they were without them).
DECLARED_ONLY = frozenset(
    (
        "agent_fees_eur",
        "agent_operating_cost_eur",
        "agent_subsidy_eur",
        "coop_purchase_savings_eur",
        "coop_sales_premium_eur",
        "coop_fees_eur",
        "coop_revenue_per_member_eur",
        "coop_sold_share",
        "coop_operating_cost_eur",
        "coop_subsidy_eur",
    )
)
report_only_with("agent_costs", (n for n in DECLARED_ONLY if n.startswith("agent_")))
report_only_with("cooperative", (n for n in DECLARED_ONLY if n.startswith("coop_")))
