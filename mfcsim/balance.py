"""Mass balance: the tables and the check that every run must pass.

Three views, all computed from the ledger (flows) and the stock snapshots:

* per node and material (firms and ``in_transit``): inflow + production − outflow −
  consumption = change in stock. This catches any stock change without a ledger row.
* per node and physical dimension: for **mass**, counting only flows that cross the node's
  boundary (production and consumption net out because every recipe closes its mass
  balance): inflow − outflow = change in stock mass. Energy is converted from the chemical
  energy of mass materials, which is not tracked, so energy is held to the per-material view.
* the system: what enters from the boundary (imports, extraction) − what leaves to it
  (exports, disposal, emissions, final consumption) = change in all stocks (mass).

Each residual is divided by the largest flow of its material (or of all mass) to give a
relative error; the check raises :class:`MassBalanceError` naming every offender.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mfcsim.errors import MassBalanceError

#: Default relative tolerance of the check.
RTOL = 1e-9
_INTERNAL_ROLES = ("firm", "transit")


def _stock_change(stocks: pd.DataFrame) -> pd.Series:
    first, last = stocks["t_day"].min(), stocks["t_day"].max()
    start = (
        stocks[stocks["t_day"] == first]
        .groupby(["node", "material"], observed=True)["quantity"]
        .sum()
    )
    end = (
        stocks[stocks["t_day"] == last]
        .groupby(["node", "material"], observed=True)["quantity"]
        .sum()
    )
    return end.sub(start, fill_value=0.0)


def material_balance(flows: pd.DataFrame, stocks: pd.DataFrame) -> pd.DataFrame:
    """Per internal node and material: inflow, outflow, stock change and residual.

    Args:
        flows: The ledger frame (``source, target, material, quantity, kind``).
        stocks: The stocks frame (``t_day, node, material, quantity``).

    Returns:
        Frame indexed by (node, material) with ``inflow``, ``outflow``, ``stock_change``,
        ``residual`` and ``rel_error`` (residual over the material's largest node flow).
    """
    incoming = flows[flows["kind"] != "consumption"]
    outgoing = flows[flows["kind"] != "production"]
    inflow = incoming.groupby(["target", "material"], observed=True)["quantity"].sum()
    outflow = outgoing.groupby(["source", "material"], observed=True)["quantity"].sum()
    inflow.index.names = outflow.index.names = ["node", "material"]
    table = pd.DataFrame(
        {"inflow": inflow, "outflow": outflow, "stock_change": _stock_change(stocks)}
    ).fillna(0.0)
    table["residual"] = table["inflow"] - table["outflow"] - table["stock_change"]
    scale = (table["inflow"] + table["outflow"]).groupby(level="material").transform("max")
    table["rel_error"] = table["residual"].abs() / scale.clip(lower=1e-12)
    return table


def _mass(frame: pd.DataFrame, mass_t_per_unit: pd.Series) -> pd.Series:
    factor = frame["material"].astype(str).map(mass_t_per_unit).astype(float)
    return frame["quantity"] * factor


def mass_balance(
    flows: pd.DataFrame, stocks: pd.DataFrame, materials: pd.DataFrame, nodes: pd.DataFrame
) -> pd.DataFrame:
    """Physical mass balance per internal node and for the whole system (t).

    Returns:
        Frame indexed by node (plus a ``system`` row) with ``inflow_t``, ``outflow_t``,
        ``stock_change_t``, ``residual_t`` and ``rel_error``.
    """
    per_unit = materials.set_index("id")["mass_t_per_unit"]
    external = flows[~flows["kind"].isin(["production", "consumption"])]
    mass = _mass(external, per_unit)
    inflow = mass.groupby(external["target"].astype(str)).sum()
    outflow = mass.groupby(external["source"].astype(str)).sum()
    change = _mass(stocks, per_unit)
    first, last = stocks["t_day"].min(), stocks["t_day"].max()
    node_of = stocks["node"].astype(str)
    delta = (
        change[stocks["t_day"] == last]
        .groupby(node_of)
        .sum()
        .sub(change[stocks["t_day"] == first].groupby(node_of).sum(), fill_value=0.0)
    )
    roles = nodes.set_index("node")["role"]
    internal = roles.index[roles.isin(_INTERNAL_ROLES)]
    table = pd.DataFrame({"inflow_t": inflow, "outflow_t": outflow, "stock_change_t": delta})
    table = table.reindex(internal).fillna(0.0)
    boundary = roles.index[~roles.isin(_INTERNAL_ROLES)]
    system = pd.DataFrame(
        {
            "inflow_t": [float(outflow.reindex(boundary).fillna(0.0).sum())],
            "outflow_t": [float(inflow.reindex(boundary).fillna(0.0).sum())],
            "stock_change_t": [float(table["stock_change_t"].sum())],
        },
        index=pd.Index(["system"], name="node"),
    )
    table = pd.concat([table, system])
    table["residual_t"] = table["inflow_t"] - table["outflow_t"] - table["stock_change_t"]
    scale = max(float((table["inflow_t"] + table["outflow_t"]).max()), 1e-12)
    table["rel_error"] = table["residual_t"].abs() / scale
    return table


def check_mass_balance(
    flows: pd.DataFrame,
    stocks: pd.DataFrame,
    materials: pd.DataFrame,
    nodes: pd.DataFrame,
    *,
    rtol: float = RTOL,
) -> float:
    """Check every balance; return the largest relative error.

    Raises:
        MassBalanceError: If any residual exceeds ``rtol`` times its scale; the error lists
            every offending node with its material (or ``mass``) and residual.
    """
    by_material = material_balance(flows, stocks)
    internal = set(nodes.loc[nodes["role"].isin(_INTERNAL_ROLES), "node"])
    by_material = by_material[by_material.index.get_level_values("node").isin(internal)]
    by_mass = mass_balance(flows, stocks, materials, nodes)
    offenders = [
        f"{node}/{material}: residual {row.residual:.6g} (in {row.inflow:.6g}, out "
        f"{row.outflow:.6g}, stock change {row.stock_change:.6g})"
        for (node, material), row in by_material[by_material["rel_error"] > rtol].iterrows()
    ] + [
        f"{node}/mass: residual {row.residual_t:.6g} t (in {row.inflow_t:.6g}, out "
        f"{row.outflow_t:.6g}, stock change {row.stock_change_t:.6g})"
        for node, row in by_mass[by_mass["rel_error"] > rtol].iterrows()
    ]
    if offenders:
        raise MassBalanceError(offenders)
    errors = [by_material["rel_error"].max(), by_mass["rel_error"].max()]
    return float(np.nanmax([e if pd.notna(e) else 0.0 for e in errors]))
