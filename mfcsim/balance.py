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

Each residual is divided by the largest flow or stock of its material (or of all mass) to give a
relative error; the check raises :class:`MassBalanceError` naming every offender.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mfcsim.coded import recode, running_sums, union_names
from mfcsim.errors import MassBalanceError

#: Default relative tolerance of the check.
RTOL = 1e-9
#: Node roles inside the system (their stocks are balanced), as in ``nodes.parquet``.
INTERNAL_ROLES = ("firm", "transit")


class _Coded:
    """Flows and stocks on one shared numbering of nodes and materials (numpy, no groupby)."""

    def __init__(self, flows: pd.DataFrame, stocks: pd.DataFrame) -> None:
        node_cols = (flows["source"], flows["target"], stocks["node"])
        mat_cols = (flows["material"], stocks["material"])
        self.nodes = union_names(node_cols)
        self.materials = union_names(mat_cols)
        self.src = recode(flows["source"], self.nodes, narrow=True)
        self.dst = recode(flows["target"], self.nodes, narrow=True)
        self.mat = recode(flows["material"], self.materials, narrow=True)
        self.qty = flows["quantity"].to_numpy(dtype=float)
        kinds = flows["kind"].astype("category")
        codes, names = kinds.cat.codes.to_numpy(), list(kinds.cat.categories)
        self.is_production = codes == (names.index("production") if "production" in names else -2)
        self.is_consumption = codes == (
            names.index("consumption") if "consumption" in names else -2
        )
        t = stocks["t_day"].to_numpy(dtype=float)
        self.first = t == t.min() if len(t) else np.zeros(0, dtype=bool)
        self.last = t == t.max() if len(t) else np.zeros(0, dtype=bool)
        self.s_node = recode(stocks["node"], self.nodes, narrow=True)
        self.s_mat = recode(stocks["material"], self.materials, narrow=True)
        self.s_qty = stocks["quantity"].to_numpy(dtype=float)

    def cells(
        self,
        node: np.ndarray,
        mat: np.ndarray,
        weights: np.ndarray,
        skip: np.ndarray | None = None,
    ) -> np.ndarray:
        """Sum ``weights`` per (node, material) cell, as a nodes × materials matrix.

        Rows marked in ``skip`` count as zero: they are summed into a spare cell, which
        leaves every other cell's sum exactly as adding their zeros would (no copy of the
        weights with zeros in). Summed a block of rows at a time (:func:`running_sums`), the
        same sums as one ``np.bincount`` over the whole ledger.
        """
        n, m = len(self.nodes), len(self.materials)

        def block(rows: slice) -> tuple[np.ndarray, np.ndarray]:
            cell = node[rows].astype(np.int64)
            cell *= m
            cell += mat[rows]
            if skip is not None:
                cell[skip[rows]] = n * m
            return cell, weights[rows]

        return running_sums(n * m + 1, len(node), block)[: n * m].reshape(n, m)

    def largest_stock(self) -> np.ndarray:
        """The largest stock held of each material, anywhere, at any time."""
        out = np.zeros(len(self.materials))
        np.maximum.at(out, self.s_mat, np.abs(self.s_qty))
        return out

    def stock_change(self) -> np.ndarray:
        """Last minus first stock per (node, material)."""
        end = self.cells(self.s_node[self.last], self.s_mat[self.last], self.s_qty[self.last])
        start = self.cells(self.s_node[self.first], self.s_mat[self.first], self.s_qty[self.first])
        change: np.ndarray = end - start
        return change


def material_balance(flows: pd.DataFrame, stocks: pd.DataFrame) -> pd.DataFrame:
    """Per node and material: inflow, outflow, stock change and residual.

    Args:
        flows: The ledger frame (``source, target, material, quantity, kind``).
        stocks: The stocks frame (``t_day, node, material, quantity``).

    Returns:
        Frame indexed by (node, material), one row per cell with any flow or stock, with
        ``inflow``, ``outflow``, ``stock_change``, ``residual`` and ``rel_error`` (residual
        over the material's largest node flow).
    """
    return _material_table(_Coded(flows, stocks))


def _material_table(c: _Coded) -> pd.DataFrame:
    """:func:`material_balance` of coded flows and stocks."""
    inflow = c.cells(c.dst, c.mat, c.qty, skip=c.is_consumption)
    outflow = c.cells(c.src, c.mat, c.qty, skip=c.is_production)
    change = c.stock_change()
    residual = inflow - outflow - change
    held = c.largest_stock()
    scale = np.maximum(np.maximum((inflow + outflow).max(axis=0, initial=0.0), held), 1e-12)
    rel = np.abs(residual) / scale[None, :]
    node_i, mat_i = np.nonzero((inflow != 0) | (outflow != 0) | (change != 0))
    index = pd.MultiIndex.from_arrays(
        [np.array(c.nodes, dtype=object)[node_i], np.array(c.materials, dtype=object)[mat_i]],
        names=["node", "material"],
    )
    return pd.DataFrame({
        "inflow": inflow[node_i, mat_i], "outflow": outflow[node_i, mat_i],
        "stock_change": change[node_i, mat_i], "residual": residual[node_i, mat_i],
        "rel_error": rel[node_i, mat_i],
    }, index=index)  # fmt: skip


def mass_balance(
    flows: pd.DataFrame, stocks: pd.DataFrame, materials: pd.DataFrame, nodes: pd.DataFrame
) -> pd.DataFrame:
    """Physical mass balance per internal node and for the whole system (t).

    Returns:
        Frame indexed by node (plus a ``system`` row) with ``inflow_t``, ``outflow_t``,
        ``stock_change_t``, ``residual_t`` and ``rel_error``.
    """
    return _mass_table(_Coded(flows, stocks), materials, nodes)


def _mass_table(c: _Coded, materials: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """:func:`mass_balance` of coded flows and stocks."""
    per_unit = materials.set_index("id")["mass_t_per_unit"].reindex(c.materials).fillna(0.0)
    unit = per_unit.to_numpy(dtype=float)

    def mass(rows: slice) -> np.ndarray:
        """The rows' mass where they cross a node's boundary, else 0 (production, consumption)."""
        out: np.ndarray = unit[c.mat[rows]]
        out *= c.qty[rows]
        out[c.is_production[rows] | c.is_consumption[rows]] = 0.0
        return out

    n, rows = len(c.nodes), len(c.qty)
    inflow = running_sums(n, rows, lambda block: (c.dst[block], mass(block)))
    outflow = running_sums(n, rows, lambda block: (c.src[block], mass(block)))
    s_mass = c.s_qty * unit[c.s_mat]
    delta = np.bincount(c.s_node[c.last], weights=s_mass[c.last], minlength=n) - np.bincount(
        c.s_node[c.first], weights=s_mass[c.first], minlength=n
    )
    role = nodes.set_index("node")["role"].reindex(c.nodes).fillna("boundary").to_numpy()
    internal = np.isin(role, INTERNAL_ROLES)
    names = [nm for nm, keep in zip(c.nodes, internal, strict=True) if keep]
    table = pd.DataFrame(
        {"inflow_t": inflow[internal], "outflow_t": outflow[internal],
         "stock_change_t": delta[internal]},
        index=pd.Index(names, name="node"),
    )  # fmt: skip
    table = table.reindex(list(nodes.loc[nodes["role"].isin(INTERNAL_ROLES), "node"])).fillna(0.0)
    table.index.name = "node"
    system = pd.DataFrame({
        "inflow_t": [float(outflow[~internal].sum())],
        "outflow_t": [float(inflow[~internal].sum())],
        "stock_change_t": [float(table["stock_change_t"].sum())],
    }, index=pd.Index(["system"], name="node"))  # fmt: skip
    table = pd.concat([table, system])
    table["residual_t"] = table["inflow_t"] - table["outflow_t"] - table["stock_change_t"]
    largest_stock_t = float(np.abs(s_mass).max(initial=0.0))
    scale = max(float((table["inflow_t"] + table["outflow_t"]).max()), largest_stock_t, 1e-12)
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
    coded = _Coded(flows, stocks)
    by_material = _material_table(coded)
    internal = set(nodes.loc[nodes["role"].isin(INTERNAL_ROLES), "node"])
    by_material = by_material[by_material.index.get_level_values("node").isin(internal)]
    by_mass = _mass_table(coded, materials, nodes)
    del coded
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
