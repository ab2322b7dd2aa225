"""Substance balance: per node and substance, inflow − outflow = change in substance stock.

Computed from the substance flows and the substance stocks of the replay
(:mod:`mfcsim.substances.replay`), as the mass balance is from the ledger and the stock snapshots:

* per node (firms and ``in_transit``) and substance: inflow + produced − outflow − consumed =
  change in the substance held. The end stock is the engine's final stock at the replay's
  mean composition, so the check also catches a replay that loses track of quantities.
* per firm and substance transformed only by transfer coefficients: produced = consumed (a
  transfer coefficient moves a substance, it never makes or destroys it).
* per flow: no flow carries more of a substance than its own mass.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from mfcsim.balance import INTERNAL_ROLES, RTOL
from mfcsim.coded import groupby_sums, is_in, recode, union_names
from mfcsim.errors import MassBalanceError, OverloadedCarrierError

_COLUMNS = [
    "inflow_t", "outflow_t", "produced_t", "consumed_t", "stock_change_t", "residual_t",
    "rel_error",
]  # fmt: skip


def substance_balance(
    flows: pd.DataFrame, stocks: pd.DataFrame, nodes: pd.DataFrame
) -> pd.DataFrame:
    """Per internal node and substance: inflow, outflow, produced, consumed, stock change.

    Args:
        flows: Substance flows (``source, target, substance, quantity, kind``).
        stocks: Substance stocks at the start and the end (``t_day, node, substance,
            quantity``).
        nodes: The nodes frame (``node, role``).

    Returns:
        Frame indexed by (node, substance) with ``inflow_t, outflow_t, produced_t,
        consumed_t, stock_change_t, residual_t, rel_error``.
    """
    if flows.empty and stocks.empty:  # no substance in the scenario
        return pd.DataFrame(columns=_COLUMNS, dtype=float)
    prod, cons = is_in(flows["kind"], ("production",)), is_in(flows["kind"], ("consumption",))
    total = _node_totals(flows)
    start, end = stocks["t_day"].min(), stocks["t_day"].max()
    held = stocks.assign(node=stocks["node"].astype(str), substance=stocks["substance"].astype(str))
    held = held.pivot_table(index=["node", "substance"], columns="t_day", values="quantity")
    table = pd.DataFrame({
        "inflow_t": total("target", ~prod & ~cons), "outflow_t": total("source", ~prod & ~cons),
        "produced_t": total("target", prod), "consumed_t": total("source", cons),
        "stock_change_t": held[end] - held[start] if len(held) else pd.Series(dtype=float),
    }).fillna(0.0)  # fmt: skip
    internal = set(nodes.loc[nodes["role"].isin(INTERNAL_ROLES), "node"].astype(str))
    table = table[table.index.get_level_values("node").isin(internal)]
    table["residual_t"] = (
        table["inflow_t"] + table["produced_t"] - table["outflow_t"] - table["consumed_t"]
        - table["stock_change_t"]
    )  # fmt: skip
    moved = table["inflow_t"] + table["outflow_t"] + table["produced_t"] + table["consumed_t"]
    scale = moved.groupby(level="substance").transform("max")
    largest = held.abs().max(axis=1).groupby(level="substance").max() if len(held) else None
    if largest is not None:
        scale = np.maximum(
            scale, largest.reindex(table.index.get_level_values("substance")).to_numpy()
        )
    table["rel_error"] = table["residual_t"].abs() / np.maximum(scale, 1e-12)
    return table


def _node_totals(flows: pd.DataFrame) -> Callable[[str, np.ndarray], pd.Series]:
    """A function summing the flows' quantity per (node in column ``by``, substance).

    Nodes and substances are coded in sorted order, so the sums, their order and their
    (node, substance) index are those of a pandas groupby on the strings.
    """
    q = flows["quantity"].to_numpy(dtype=float)
    nodes = sorted(union_names((flows["source"], flows["target"])))
    substances = sorted(union_names((flows["substance"],)))
    n_s = len(substances)
    substance = recode(flows["substance"], substances)

    def total(by: str, mask: np.ndarray) -> pd.Series:
        key = recode(flows[by], nodes) * n_s + substance
        keys, sums = groupby_sums(key[mask], q[mask])
        index = pd.MultiIndex.from_arrays(
            [
                pd.Index(np.array(nodes, dtype=object)[keys // n_s], dtype=object),
                pd.Index(np.array(substances, dtype=object)[keys % n_s], dtype=object),
            ],
            names=["node", "substance"],
        )
        return pd.Series(sums, index=index)

    return total


def check_substance_balance(
    flows: pd.DataFrame,
    stocks: pd.DataFrame,
    nodes: pd.DataFrame,
    conserving: set[tuple[str, str]],
    carrier_t: np.ndarray,
    *,
    rtol: float = RTOL,
) -> float:
    """Check every substance balance; return the largest relative error.

    Args:
        flows: Substance flows.
        stocks: Substance stocks at the start and the end.
        nodes: The nodes frame.
        conserving: (firm, substance) pairs transformed only by transfer coefficients.
        carrier_t: Mass of the ledger row carrying each substance flow (t).
        rtol: Relative tolerance.

    Raises:
        MassBalanceError: Naming every offending node and substance with its residual.
    """
    table = substance_balance(flows, stocks, nodes)
    bad = table[table["rel_error"] > rtol]
    offenders = [
        f"{node}/{substance}: substance residual {row.residual_t:.6g} t (in {row.inflow_t:.6g}, "
        f"produced {row.produced_t:.6g}, out {row.outflow_t:.6g}, consumed "
        f"{row.consumed_t:.6g}, stock change {row.stock_change_t:.6g})"
        for (node, substance), row in bad.iterrows()
    ]
    made = table["produced_t"] - table["consumed_t"]
    keys = [key for key in sorted(conserving) if key in made.index]
    created = made.loc[keys] if keys else made.iloc[:0]
    limit = rtol * np.maximum(table["consumed_t"].reindex(created.index), 1e-12)
    offenders += [
        f"{node}/{substance}: transfer coefficients made {value:.6g} t of the substance "
        f"(consumed {table.at[(node, substance), 'consumed_t']:.6g}, produced "
        f"{table.at[(node, substance), 'produced_t']:.6g})"
        for (node, substance), value in created[created.abs() > limit].items()
    ]
    if offenders:
        raise MassBalanceError(offenders)
    return float(table["rel_error"].max()) if len(table) else 0.0


def check_substance_closure(
    flows: pd.DataFrame,
    carrier_row: np.ndarray,
    carrier_t: np.ndarray,
    *,
    rtol: float = RTOL,
) -> float:
    """Check that every flow's substances together weigh no more than the flow itself.

    Args:
        flows: Substance flows (one row per ledger row and substance).
        carrier_row: The ledger row of each substance flow.
        carrier_t: Mass of that ledger row (t).
        rtol: Relative tolerance, as for the mass balance.

    A flow heavier in substances than itself is asked for by the scenario (transfer
    coefficients, or compositions of inputs richer than declared): bad data, not a broken
    balance.

    Returns:
        The largest excess found, relative to its flow's mass (0 if none).

    Raises:
        OverloadedCarrierError: Naming source, material, day, substances and excess of up to
            ten flows.
    """
    if len(carrier_row) == 0:
        return 0.0
    rows, first = np.unique(carrier_row, return_index=True)
    total = np.bincount(np.searchsorted(rows, carrier_row), weights=flows["quantity"].to_numpy())
    mass = carrier_t[first]
    excess = total - mass
    over = np.flatnonzero(excess > rtol * np.maximum(mass, 1e-12))
    if len(over):
        substance = flows["substance"].astype(str).to_numpy()
        offenders: list[tuple[str, str | None, str, str, float, float, float]] = []
        for i in over[:10].tolist():
            r = flows.iloc[int(first[i])]
            carried = "+".join(sorted(set(substance[carrier_row == rows[i]].tolist())))
            offenders.append((str(r.source), None, carried, str(r.material), float(r.t_day),
                              float(total[i]), float(mass[i])))  # fmt: skip
        raise OverloadedCarrierError(offenders)
    worst = excess / np.maximum(mass, 1e-12)
    return float(max(worst.max(), 0.0))
