"""Substances (dry matter, N, P, C, ...): their flows, derived from the ledger after a run.

The ledger records materials only; substance flows are replayed from it in its canonical
order, with numpy over every (node, material) stock at once:

* Imports and extractions carry the material's declared composition, and so do initial stocks.
* Every (node, material) stock is well mixed: what leaves it carries its mean composition at
  that moment of the ledger.
* A shipment keeps the composition it was dispatched with until it arrives (goods in transit
  are not mixed with each other).
* A production row carries what its firm's processes made of the substance it consumed that
  day (:mod:`mfcsim.substances.processes`: transfer coefficients or declared compositions).

Rows are replayed in *groups*: a group ends before any row that reads a stock written earlier
in the group, so within a group every read sees the stock as it stood at the group's start
and the result is that of a row-by-row replay. Production rows are moved behind the
consumption rows of their firm and day, because their content depends on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mfcsim.balance import INTERNAL_ROLES
from mfcsim.coded import recode
from mfcsim.errors import ResultsError
from mfcsim.ledger import Kind
from mfcsim.scenario.root import Scenario
from mfcsim.substances.nutrients import nutrient_table
from mfcsim.substances.processes import (
    FirmProcesses,
    allocation_tables,
    firm_processes,
    single_process_tables,
    transferred,
)

if TYPE_CHECKING:
    from mfcsim.results import Results

SUBSTANCE_FLOW_COLUMNS = ["t_day", "source", "target", "material", "substance", "quantity", "kind"]
SUBSTANCE_STOCK_COLUMNS = ["t_day", "node", "substance", "quantity"]
#: A stock below this mass (t) has no composition of its own: reads use the declared one.
_EMPTY_T = 1e-12
_READ, _ARRIVAL, _PRODUCTION, _BOUNDARY = 0, 1, 2, 3
#: Stage of each kind of row within a day, in the order of the daily phases: imports and
#: extractions, consumption, production, releases to the environment, dispatches, exports
#: and disposal, and (see ``_order``) arrivals.
_STAGE = np.array([2, 1, 4, 0, 5, 5, 3, 0, 3])
_ARRIVAL_STAGE = 6


@dataclass(slots=True)
class SubstanceReplay:
    """The replay's outcome.

    Attributes:
        substances: The substances tracked (sorted).
        flows: One row per ledger row and substance with a non-zero content (t).
        stocks: Substance held per node (firms and in_transit) at the start and the end (t).
        carrier_t: Mass of the ledger row that carries each row of ``flows`` (t).
        conserving: (firm, substance) pairs whose every process has transfer coefficients
            for the substance.
        carrier_row: The ledger row that carries each row of ``flows`` (its position).
    """

    substances: list[str]
    flows: pd.DataFrame
    stocks: pd.DataFrame
    carrier_t: np.ndarray
    conserving: set[tuple[str, str]]
    carrier_row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def substances_of(scenario: Scenario) -> list[str]:
    """Every substance in a composition or a transfer coefficient, sorted."""
    named = {s for m in scenario.materials.values() for s in m.composition}
    for firm in scenario.firms.values():
        named |= {s for proc in firm.processes.values() for s in proc.transfer}
    return sorted(named)


def replay_substances(
    flows: pd.DataFrame,
    stocks: pd.DataFrame,
    nodes: pd.DataFrame,
    shipments: pd.DataFrame,
    scenario: Scenario,
) -> SubstanceReplay:
    """Replay the ledger for substances (see the module docstring for the rules).

    Raises:
        ResultsError: If the shipments frame does not match the ledger's shipment rows.
    """
    substances = substances_of(scenario)
    if not substances:
        empty = _empty(SUBSTANCE_FLOW_COLUMNS), _empty(SUBSTANCE_STOCK_COLUMNS)
        return SubstanceReplay(substances, *empty, np.zeros(0), set())
    ctx = _Context(flows, stocks, nodes, shipments, scenario, substances)
    content = ctx.run()
    row, _ = np.nonzero(content)
    return SubstanceReplay(
        substances,
        ctx.flow_frame(content),
        ctx.stock_frame(),
        ctx.q[row],
        conserving(scenario),
        ctx.rows[row],
    )


def conserving(scenario: Scenario) -> set[tuple[str, str]]:
    """(firm, substance) pairs whose every process has a transfer coefficient for it."""
    out = set()
    for fid, firm in scenario.firms.items():
        procs = list(firm.processes.values())
        common = set.intersection(*(set(p.transfer) for p in procs)) if procs else set()
        out |= {(fid, s) for s in common}
    return out


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})


class _Context:
    """The ledger on integer codes, the replay state and its groups."""

    def __init__(
        self,
        flows: pd.DataFrame,
        stocks: pd.DataFrame,
        nodes: pd.DataFrame,
        shipments: pd.DataFrame,
        scenario: Scenario,
        substances: list[str],
    ) -> None:
        self.flows, self.substances = flows, substances
        self.nodes = [str(n) for n in nodes["node"]]
        self.materials = list(scenario.materials)
        internal = nodes["role"].isin(INTERNAL_ROLES).to_numpy()
        self.transit = self.nodes.index("in_transit")
        n_m, n_s = len(self.materials), len(substances)
        mass = np.array([scenario.materials[m].mass_t_per_unit for m in self.materials])
        self.declared = np.array(
            [
                [scenario.materials[m].composition.get(s, 0.0) for s in substances]
                for m in self.materials
            ]
        ).reshape(n_m, n_s)
        src, dst = recode(flows["source"], self.nodes), recode(flows["target"], self.nodes)
        mat = recode(flows["material"], self.materials)
        kind = _kind_codes(flows["kind"])
        t = flows["t_day"].to_numpy(dtype=float)
        dispatch_of = _match_shipments(t, src, dst, mat, shipments, self, scenario.horizon_day)
        keep = np.flatnonzero(mass[mat] > 0)  # energy carries no substance
        self.rows = keep
        self.t, self.src, self.dst, self.mat = t[keep], src[keep], dst[keep], mat[keep]
        self.kind = kind[keep]
        self.q = flows["quantity"].to_numpy(dtype=float)[keep] * mass[self.mat]
        position = np.full(len(t), -1)
        position[keep] = np.arange(len(keep))
        self.dispatch_of = np.where(
            dispatch_of[keep] >= 0, position[np.maximum(dispatch_of[keep], 0)], -1
        )
        self.category = _categories(self.src, self.kind, internal, self.transit)
        self.reads = internal[self.src] & (self.category == _READ)
        self.writes = internal[self.dst] & (self.kind != Kind.CONSUMPTION)
        n_cells = len(self.nodes) * n_m
        self.q_state = np.zeros(n_cells)
        s_node, s_mat = (
            recode(stocks["node"], self.nodes),
            recode(stocks["material"], self.materials),
        )
        s_t = stocks["t_day"].to_numpy(dtype=float)
        s_q = stocks["quantity"].to_numpy(dtype=float) * mass[s_mat]
        first = s_t == s_t.min() if len(s_t) else np.zeros(0, dtype=bool)
        last = s_t == s_t.max() if len(s_t) else np.zeros(0, dtype=bool)
        np.add.at(self.q_state, s_node[first] * n_m + s_mat[first], s_q[first])
        self.q_end = np.zeros(n_cells)
        np.add.at(self.q_end, s_node[last] * n_m + s_mat[last], s_q[last])
        self.s_state = self.q_state[:, None] * np.tile(self.declared, (len(self.nodes), 1))
        self.s_start = self.s_state.copy()
        self.n_m, self.n_s = n_m, n_s
        self.end_day = float(s_t.max()) if len(s_t) else 0.0
        self._blocks(scenario)

    # ---- processes -------------------------------------------------------------------------
    def _blocks(self, scenario: Scenario) -> None:
        """Firm-day blocks of production and consumption rows, and the firms' recipes."""
        firms = [n for n in self.nodes if n in scenario.firms]
        self.procs: list[FirmProcesses] = [
            firm_processes(scenario, f, self.materials, self.substances) for f in firms
        ]
        self.tc, self.has_tc = single_process_tables(self.procs, self.n_s, self.n_m)
        self.allocate = np.array(
            [fp.needs_allocation for fp in self.procs] + [False] * (len(self.nodes) - len(firms))
        )
        inside = (self.kind == Kind.PRODUCTION) | (self.kind == Kind.CONSUMPTION)
        key = np.where(inside, self.t * len(self.nodes) + self.src, -1.0)
        self.block = np.full(len(key), -1)
        codes, uniques = pd.factorize(key[inside])
        self.block[inside] = codes
        self.n_blocks = len(uniques)
        prod = self.kind == Kind.PRODUCTION
        pair = self.block[prod] * self.n_m + self.mat[prod]
        total = np.bincount(pair, weights=self.q[prod], minlength=self.n_blocks * self.n_m)
        self.produced = total.reshape(self.n_blocks, self.n_m)
        cons = np.flatnonzero(self.kind == Kind.CONSUMPTION)
        self.cons_rows = cons[np.argsort(self.block[cons], kind="stable")]
        self.cons_block = self.block[self.cons_rows]
        self.share = np.zeros(len(self.q))
        self.share[prod] = self.q[prod] / total[pair]
        self._plan_allocation(inside)

    def _plan_allocation(self, inside: np.ndarray) -> None:
        """The allocation of every block of a multi-process firm, from the ledger's masses.

        Blocks are numbered by *slot*; the weights are kept per number of processes, so that
        each product in :meth:`_allocated` is the same matrix product, block by block.
        """
        firm_of = np.zeros(self.n_blocks, dtype=np.int64)
        firm_of[self.block[inside]] = self.src[inside]
        blocks = np.flatnonzero(self.allocate[firm_of])
        self.slot = np.full(self.n_blocks, -1)
        self.slot[blocks] = np.arange(len(blocks))
        cons = self.kind == Kind.CONSUMPTION
        consumed_t = np.bincount(
            self.block[cons] * self.n_m + self.mat[cons],
            weights=self.q[cons],
            minlength=self.n_blocks * self.n_m,
        ).reshape(self.n_blocks, self.n_m)
        firms = np.unique(firm_of[blocks]).tolist()
        n_p = max((len(self.procs[f].inputs) for f in firms), default=0)
        self.slot_firm = np.searchsorted(firms, firm_of[blocks])
        self.slot_p = np.array([len(self.procs[f].inputs) for f in firms], dtype=np.int64)[
            self.slot_firm
        ]
        self.has_pad = np.zeros((len(firms), n_p, self.n_s), dtype=bool)
        self.transfer_pad = np.zeros((len(firms), n_p, self.n_s, self.n_m))
        self.recipe_t = np.zeros((len(blocks), self.n_m, self.n_s))
        weights: dict[int, list[np.ndarray]] = {}
        self.slot_rank = np.zeros(len(blocks), dtype=np.int64)
        for i, f in enumerate(firms):
            fp, mine = self.procs[f], np.flatnonzero(self.slot_firm == i)
            self.has_pad[i, : len(fp.inputs)] = fp.has_transfer
            self.transfer_pad[i, : len(fp.inputs)] = fp.transfer
            weight, self.recipe_t[mine] = allocation_tables(
                fp, consumed_t[blocks[mine]], self.produced[blocks[mine]], self.declared
            )
            same_p = weights.setdefault(len(fp.inputs), [])
            self.slot_rank[mine] = sum(len(w) for w in same_p) + np.arange(len(mine))
            same_p.append(weight)
        self.weight = {p: np.concatenate(parts) for p, parts in weights.items()}

    # ---- the replay ------------------------------------------------------------------------
    def run(self) -> np.ndarray:
        """Replay group by group; return the content of every kept row (rows x substances)."""
        order, half = self._order()
        group = self._groups(order, half)
        order = order[np.lexsort((np.arange(len(order)), self.category[order], group))]
        group = np.sort(group)
        bounds = np.flatnonzero(np.diff(group)) + 1
        content = np.zeros((len(self.q), self.n_s))
        self.consumed = np.zeros((self.n_blocks, self.n_s))
        for rows in np.split(order, bounds):
            self._step(rows, content)
        return content

    def _order(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows by day, stage of the daily rhythm (:data:`_STAGE`) and ledger order.

        Returns:
            The order, and the half-day of each row in it: consumption and production of
            day d (reads, then writes that depend on them), or releases, dispatches, exports
            and disposal of day d, arrivals after it and imports and extractions of day d + 1
            (reads, then writes).
        """
        stage = _STAGE[self.kind]
        stage[(self.kind == Kind.SHIPMENT) & (self.src == self.transit)] = _ARRIVAL_STAGE
        day = np.floor(self.t)
        order = np.lexsort((np.arange(len(self.q)), stage, day))
        half = np.where(stage == 0, 2 * day - 1, np.where(stage <= 2, 2 * day, 2 * day + 1))
        return order, half[order]

    def _groups(self, order: np.ndarray, half: np.ndarray) -> np.ndarray:
        """Group number of each row in ``order``.

        A group is one half-day (see :meth:`_order`), split further before any read of a
        stock written earlier in the same half-day (which the stages are chosen to avoid).
        """
        n = len(order)
        split = np.zeros(n, dtype=np.int64)
        split[1:] = half[1:] != half[:-1]
        r, w = self.reads[order], self.writes[order]
        cells = np.concatenate([
            (self.src[order] * self.n_m + self.mat[order])[r],
            (self.dst[order] * self.n_m + self.mat[order])[w],
        ])  # fmt: skip
        pos = np.arange(n)
        at = np.concatenate([pos[r], pos[w]])
        is_write = np.concatenate([np.zeros(r.sum(), bool), np.ones(w.sum(), bool)])
        seq = np.lexsort((is_write, at, cells))
        cells, at, is_write = cells[seq], at[seq], is_write[seq]
        hit = np.zeros(len(cells), dtype=bool)
        hit[1:] = (cells[1:] == cells[:-1]) & is_write[:-1] & ~is_write[1:]
        hit[1:] &= half[at[1:]] == half[at[:-1]]
        split[at[hit]] = 1
        return np.cumsum(split)

    def _step(self, rows: np.ndarray, content: np.ndarray) -> None:
        cat = self.category[rows]
        cuts = np.searchsorted(cat, [_ARRIVAL, _PRODUCTION, _BOUNDARY])
        read, arrival, prod, boundary = np.split(rows, cuts)
        n_m = self.n_m
        if len(read):
            cell = self.src[read] * n_m + self.mat[read]
            held = self.q_state[cell]
            full = held > _EMPTY_T
            conc = np.where(
                full[:, None],
                self.s_state[cell] / np.where(full, held, 1.0)[:, None],
                self.declared[self.mat[read]],
            )
            content[read] = conc * self.q[read, None]
            cons = read[self.kind[read] == Kind.CONSUMPTION]
            np.add.at(self.consumed, self.block[cons], content[cons])
        if len(arrival):
            content[arrival] = content[self.dispatch_of[arrival]]
        if len(prod):
            content[prod] = self._production(prod, content)
        if len(boundary):
            content[boundary] = self.declared[self.mat[boundary]] * self.q[boundary, None]
        self._apply(rows, content)

    def _production(self, prod: np.ndarray, content: np.ndarray) -> np.ndarray:
        f, b, k = self.src[prod], self.block[prod], self.mat[prod]
        tc = self.tc[f, :, k]  # rows x substances
        out = np.where(
            self.has_tc[f],
            self.consumed[b] * tc * self.share[prod, None],
            self.declared[k] * self.q[prod, None],
        )
        sel = np.flatnonzero(self.allocate[f])
        if len(sel):
            blocks, local = np.unique(b[sel], return_inverse=True)
            made = self._allocated(blocks, content)
            out[sel] = made[local, k[sel]] * self.share[prod[sel], None]
        return out

    def _allocated(self, blocks: np.ndarray, content: np.ndarray) -> np.ndarray:
        """Blocks x materials x substances: what the blocks of multi-process firms made."""
        lo = np.searchsorted(self.cons_block, blocks)
        count = np.searchsorted(self.cons_block, blocks + 1) - lo
        which = np.repeat(np.arange(len(blocks)), count)
        start = np.cumsum(count) - count
        cons = self.cons_rows[np.arange(count.sum()) - np.repeat(start - lo, count)]
        by_mat = np.zeros((len(blocks), self.n_m, self.n_s))
        np.add.at(by_mat, (which, self.mat[cons]), content[cons])
        slot = self.slot[blocks]
        firm = self.slot_firm[slot]
        into = np.zeros((len(blocks), self.has_pad.shape[1], self.n_s))
        p_of = self.slot_p[slot]
        for n_p in np.unique(p_of).tolist():
            mine = np.flatnonzero(p_of == n_p)
            weight = self.weight[n_p][self.slot_rank[slot[mine]]]
            into[mine, :n_p] = np.matmul(weight, by_mat[mine])
        made = transferred(into, self.has_pad[firm], self.transfer_pad[firm])
        return made + self.recipe_t[slot]

    def _apply(self, rows: np.ndarray, content: np.ndarray) -> None:
        n_m = self.n_m
        out = rows[self.reads[rows] | (self.category[rows] == _ARRIVAL)]
        cell = self.src[out] * n_m + self.mat[out]
        np.subtract.at(self.q_state, cell, self.q[out])
        np.subtract.at(self.s_state, cell, content[out])
        into = rows[self.writes[rows]]
        cell = self.dst[into] * n_m + self.mat[into]
        np.add.at(self.q_state, cell, self.q[into])
        np.add.at(self.s_state, cell, content[into])

    # ---- frames ----------------------------------------------------------------------------
    def flow_frame(self, content: np.ndarray) -> pd.DataFrame:
        """Long frame: one row per kept ledger row and substance with content != 0."""
        row, sub = np.nonzero(content)
        source = self.rows[row]
        flows = self.flows

        def pick(name: str) -> pd.Categorical:
            col = flows[name].astype("category")
            return pd.Categorical.from_codes(
                col.cat.codes.to_numpy()[source], categories=col.cat.categories
            )

        return pd.DataFrame({
            "t_day": self.t[row], "source": pick("source"), "target": pick("target"),
            "material": pick("material"),
            "substance": pd.Categorical.from_codes(sub, categories=self.substances),
            "quantity": content[row, sub], "kind": pick("kind"),
        })  # fmt: skip

    def stock_frame(self) -> pd.DataFrame:
        """Substance held per node at the start and the end.

        The end is the engine's final stock (stocks frame) at the replay's mean composition,
        so a replay whose stock quantities drift from the engine's shows in the balance.
        """
        held = self.q_state
        full = np.abs(held) > _EMPTY_T
        conc = self.s_state / np.where(full, held, 1.0)[:, None]
        end = np.where(full[:, None], conc * self.q_end[:, None], self.s_state)
        parts = []
        for t_day, cells in ((0.0, self.s_start), (self.end_day, end)):
            per_node = cells.reshape(len(self.nodes), self.n_m, self.n_s).sum(axis=1)
            node, sub = np.nonzero(np.ones_like(per_node, dtype=bool))
            parts.append(pd.DataFrame({
                "t_day": t_day, "node": np.array(self.nodes, dtype=object)[node],
                "substance": np.array(self.substances, dtype=object)[sub],
                "quantity": per_node[node, sub],
            }))  # fmt: skip
        return pd.concat(parts, ignore_index=True)


def _kind_codes(kinds: pd.Series) -> np.ndarray:
    names = [k.name.lower() for k in Kind]
    kinds = kinds if isinstance(kinds.dtype, pd.CategoricalDtype) else kinds.astype("category")
    lookup = np.array([names.index(str(c)) for c in kinds.cat.categories], dtype=np.int64)
    return lookup[kinds.cat.codes.to_numpy()]


def _categories(
    src: np.ndarray, kind: np.ndarray, internal: np.ndarray, transit: int
) -> np.ndarray:
    cat = np.full(len(src), _READ)
    cat[~internal[src]] = _BOUNDARY
    cat[src == transit] = _ARRIVAL
    cat[kind == Kind.PRODUCTION] = _PRODUCTION
    return cat


def _match_shipments(
    t: np.ndarray,
    src: np.ndarray,
    dst: np.ndarray,
    mat: np.ndarray,
    shipments: pd.DataFrame,
    ctx: _Context,
    horizon_day: int,
) -> np.ndarray:
    """For every arrival row, the ledger row of its dispatch (-1 for other rows).

    Both sides are matched through the shipments frame, in dispatch order within equal
    (time, firm, material) keys, which is the order the ledger keeps.
    """
    out = np.full(len(t), -1)
    dispatch = np.flatnonzero(dst == ctx.transit)
    arrival = np.flatnonzero(src == ctx.transit)
    if len(arrival) == 0:
        return out
    sup = recode(shipments["supplier"], ctx.nodes)
    rec = recode(shipments["receiver"], ctx.nodes)
    smat = recode(shipments["material"], ctx.materials)
    dt, at = (shipments[c].to_numpy(dtype=float) for c in ("dispatch_t_day", "arrival_t_day"))
    seq = np.arange(len(dt))
    by_dispatch = np.lexsort((seq, smat, sup, dt))
    ledger_dispatch = dispatch[np.lexsort((dispatch, mat[dispatch], src[dispatch], t[dispatch]))]
    arrived = np.flatnonzero(at < horizon_day)
    by_arrival = arrived[np.lexsort((arrived, smat[arrived], rec[arrived], at[arrived]))]
    ledger_arrival = arrival[np.lexsort((arrival, mat[arrival], dst[arrival], t[arrival]))]
    if len(by_dispatch) != len(ledger_dispatch) or len(by_arrival) != len(ledger_arrival):
        raise ResultsError("the shipments frame does not match the ledger's shipment rows")
    row_of_shipment = np.empty(len(dt), dtype=np.int64)
    row_of_shipment[by_dispatch] = ledger_dispatch
    if not (
        np.array_equal(t[ledger_dispatch], dt[by_dispatch])
        and np.array_equal(t[ledger_arrival], at[by_arrival])
    ):
        raise ResultsError("the shipments frame does not match the ledger's shipment rows")
    out[ledger_arrival] = row_of_shipment[by_arrival]
    return out


def nutrient_balance(results: Results, substance: str) -> pd.DataFrame:
    """The nutrient balance of ``substance`` per firm and for the region (``cluster``).

    See :func:`mfcsim.substances.nutrients.nutrient_table` for the columns and their definitions.
    """
    land = {fid: firm.land_ha for fid, firm in results.scenario.firms.items()}
    return nutrient_table(results.substance_flows, substance, land)
