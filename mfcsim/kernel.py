"""Vectorised daily phases: plan, procure and produce for all firms at once, and surplus.

Firms whose type keeps the base class's hooks (``planned_activity``, ``target_stock``,
``produce``) and whose recipes draw on plain inputs (no substitution group) are run here with
numpy over all of them at once; every other firm keeps its own Python path, hook by hook. The
arithmetic is the same, operation for operation, as :class:`~mfcsim.firms.base.Firm`'s, so the
ledger is the same to the last bit whichever path a firm takes (``tests/test_golden.py``).

Processes are handled rank by rank (a firm's first process, then its second, ...), which keeps
the order in which one firm's processes draw on its stock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mfcsim.firms.base import Firm
from mfcsim.ledger import Kind

if TYPE_CHECKING:
    from mfcsim.simulation import Simulation

_HOOKS = ("planned_activity", "target_stock", "produce", "plan", "plan_for", "setup")


def vectorisable(firm: Firm) -> bool:
    """True if the firm's type keeps the base class's planning and production hooks."""
    cls = type(firm)
    return all(getattr(cls, h) is getattr(Firm, h) for h in _HOOKS if h != "setup")


def flat_cells(matrix: np.ndarray) -> np.ndarray:
    """A (firms x materials) matrix as one row of cells, ``firm * n_materials + material``.

    A view, so writes reach the matrix; gathering and scattering through one cell code is
    several times faster than through a pair of index arrays.

    Raises:
        ValueError: If the matrix is not contiguous (the row would be a copy).
    """
    return np.reshape(matrix, -1, copy=False)


class _Entries:
    """One side of the recipes (inputs, outputs, ...) as parallel arrays, one per entry.

    ``position`` is the entry's place among its process's entries of that side.
    """

    def __init__(self, rows: list[tuple[int, int, int, float]]) -> None:
        arr = np.array(rows, dtype=float).reshape(-1, 4)
        self.proc = arr[:, 0].astype(np.int64)
        self.firm = arr[:, 1].astype(np.int64)
        self.material = arr[:, 2].astype(np.int64)
        self.q = arr[:, 3]
        self.position = np.zeros(len(self.proc), dtype=np.int64)
        for i in range(1, len(self.proc)):
            if self.proc[i] == self.proc[i - 1]:
                self.position[i] = self.position[i - 1] + 1

    def by_rank(self, rank_of_proc: np.ndarray, rank: int) -> np.ndarray:
        """Indices of the entries whose process has ``rank``."""
        return np.flatnonzero(rank_of_proc[self.proc] == rank)

    def gather(self, e: np.ndarray, n_materials: int) -> _Side:
        """Entries ``e`` gathered into their own arrays."""
        firm, material = self.firm[e], self.material[e]
        return _Side(self.proc[e], firm, material, self.q[e], firm * n_materials + material)


@dataclass(slots=True)
class _Side:
    """Some entries of one side (e.g. the inputs of the processes of one rank), gathered."""

    proc: np.ndarray
    firm: np.ndarray
    material: np.ndarray
    q: np.ndarray
    cell: np.ndarray  # the (firm, material) cell in a flat stock matrix (see flat_cells)

    def amounts(self, activity: np.ndarray) -> np.ndarray:
        """Quantity of each entry at the given activity of every process."""
        return self.q * activity[self.proc]


class Kernel:
    """The vectorised phases of one simulation."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.n_mat = len(sim.materials)
        self.firms = [f for f in sim.firms if vectorisable(f)]
        self.fallback = [f for f in sim.firms if not vectorisable(f)]
        procs: list[tuple[int, int, int]] = []  # (firm index, rank, position in firm)
        sides: dict[str, list[tuple[int, int, int, float]]] = {
            "inputs": [], "outputs": [], "from_environment": [], "to_environment": []
        }  # fmt: skip
        seasons = []
        for firm in self.firms:
            for rank, proc in enumerate(firm.processes):
                p = len(procs)
                procs.append((firm.index, rank, rank))
                seasons.append(proc.season)
                for side, entries in sides.items():
                    entries.extend((p, firm.index, m, q) for m, q in getattr(proc, side))
        self.proc_firm = np.array([p[0] for p in procs], dtype=np.int64)
        self.proc_rank = np.array([p[1] for p in procs], dtype=np.int64)
        self.capacity = np.array([sim.firms[f].processes[r].capacity for f, r, _ in procs])
        #: Seasonal factor and the firm's daily factor of each process, a row per day.
        self.season = np.array(seasons).reshape(len(procs), sim.horizon_day).T.copy()
        factors = np.array([f.activity_factor for f in sim.firms]).reshape(
            len(sim.firms), sim.horizon_day
        )
        self.factor = factors.T[:, self.proc_firm].copy()
        self.inputs = _Entries(sides["inputs"])
        self.outputs = _Entries(sides["outputs"])
        self.env_in = _Entries(sides["from_environment"])
        self.env_out = _Entries(sides["to_environment"])
        self.ranks = int(self.proc_rank.max()) + 1 if len(procs) else 0
        demand = [(0, f.index, m, q) for f in self.firms for m, q in f.demand]
        self.demand = _Entries(demand)
        self.wanted = np.zeros(sim.stock[:-1].shape, dtype=bool)
        self.wanted[self.inputs.firm, self.inputs.material] = True
        self.wanted[self.demand.firm, self.demand.material] = True
        #: Per firm and material: its place in the firm's ``target_stock`` order.
        self.want_order = np.full(self.wanted.shape, np.iinfo(np.int64).max, dtype=np.int64)
        for firm in self.firms:
            seen = [m for proc in firm.processes for m, _ in proc.inputs]
            seen += [m for m, _ in firm.demand]
            for place, m in enumerate(dict.fromkeys(seen)):
                self.want_order[firm.index, m] = place
        self.is_kernel = np.zeros(len(sim.firms), dtype=bool)
        self.is_kernel[[f.index for f in self.firms]] = True
        self.imports = np.array([f.spec.imports for f in sim.firms], dtype=bool)
        self.buyers = np.array([f.spec.buyer for f in sim.firms], dtype=bool)
        self.planned = np.zeros(len(procs))
        self._planned_key: tuple | None = None
        self._planned_last = self.planned
        self._pools(procs)
        self._alternatives()
        self._sinks()
        self._by_rank = [self._rank_plan(rank) for rank in range(self.ranks)]
        self._cells()
        self.export_cells = self._cell_codes(sim.export_mask)
        self.overflow_cells = self._cell_codes(sim.capacity < np.inf)
        self.overflow_capacity = sim.capacity[self.overflow_cells[:2]]

    def _pools(self, procs: list[tuple[int, int, int]]) -> None:
        """Each process's input limits as padded arrays: members, weights, per activity."""
        rows = []
        for p, (f, r, _) in enumerate(procs):
            for pool, per_activity in self.sim.firms[f].processes[r].limits:
                rows.append((p, pool, per_activity))
        width = max((len(pool) for _, pool, _ in rows), default=1)
        self.lim_proc = np.array([p for p, _, _ in rows], dtype=np.int64)
        self.lim_per = np.array([q for _, _, q in rows], dtype=float)
        self.lim_mat = np.full((len(rows), width), -1, dtype=np.int64)
        self.lim_w = np.zeros((len(rows), width))
        for i, (_, pool, _) in enumerate(rows):
            for k, (m, w) in enumerate(pool):
                self.lim_mat[i, k], self.lim_w[i, k] = m, w

    def _alternatives(self) -> None:
        """Per input entry: its substitutes (padded), their factors and the balance material."""
        subs, ins = self.sim.substitutes, self.inputs
        width = max((len(v) for v in subs.values()), default=0)
        n = len(ins.q)
        self.alt_mat = np.full((n, width), -1, dtype=np.int64)
        self.alt_factor = np.ones((n, width))
        self.has_alt = np.zeros(n, dtype=bool)
        self.balance = np.full(n, -1, dtype=np.int64)
        for e, m in enumerate(ins.material.tolist()):
            for k, (alt, factor) in enumerate(subs.get(m, ())):
                self.alt_mat[e, k], self.alt_factor[e, k] = alt, factor
            self.has_alt[e] = bool(subs.get(m))
            self.balance[e] = self.sim.group_balance.get(m, -1)

    def _sinks(self) -> None:
        sim = self.sim
        self.sink_node = np.array([node for node, _ in sim.sink_of], dtype=np.int64)
        self.sink_kind = np.array([int(kind) for _, kind in sim.sink_of], dtype=np.int8)
        self.co2e = np.array(sim.co2e_per_unit, dtype=float)

    # ---- plan ------------------------------------------------------------------------------
    def _firm_scale(self, kind_a: str, kind_b: str | None = None) -> np.ndarray:
        """Per firm: product of its shocks of the given kinds (1 where none), 0 if down."""
        scale = np.ones(len(self.sim.firms))
        for firm in self.sim.disruptions.touched.values():
            if firm.shocks and self.is_kernel[firm.index]:
                s = firm.shock_factor(kind_a)
                scale[firm.index] = s * firm.shock_factor(kind_b) if kind_b else s
        return scale

    def planned_for(self, day: int, taking_part: np.ndarray) -> np.ndarray:
        """Planned activity of every process on ``day``: capacity × season × factor × shocks.

        Zero for firms that are down or do not take part (``taking_part`` per firm). The
        array is read-only: asked again for the same day, firms and disruption state (the
        plan phase, then the agent's requests), the same array is returned.
        """
        key = (day, taking_part.tobytes(), self._disruption_state())
        if key == self._planned_key:
            return self._planned_last
        scale = self._firm_scale("yield_shock", "demand_shock")[self.proc_firm]
        planned = self.capacity * self.season[day] * self.factor[day] * scale
        down = np.zeros(len(self.sim.firms), dtype=bool)
        for firm in self.sim.disruptions.touched.values():
            down[firm.index] = firm.down > 0
        planned[down[self.proc_firm] | ~taking_part[self.proc_firm]] = 0.0
        planned.flags.writeable = False
        self._planned_key, self._planned_last = key, planned
        return planned

    def _disruption_state(self) -> tuple[tuple[int, int, tuple[tuple[str, float], ...]], ...]:
        """Outages and shocks in force at the firms disruptions touched (what plans read)."""
        touched = self.sim.disruptions.touched
        return tuple((i, f.down, tuple(f.shocks.values())) for i, f in touched.items())

    def plan(self, day: int, active: np.ndarray) -> None:
        """Fix today's planned activity of every process."""
        self.planned = self.planned_for(day, active)

    # ---- procure ---------------------------------------------------------------------------
    def target(self, planned: np.ndarray | None = None) -> np.ndarray:
        """Stock wanted per firm and material (planned inputs, then daily demand)."""
        planned = self.planned if planned is None else planned
        want = np.zeros(self.sim.stock[:-1].shape)
        cells = flat_cells(want)
        for plan in self._by_rank:
            side = plan.inputs
            cells[side.cell] += side.amounts(planned)
        d = self.demand
        if len(d.q):
            scale = self._firm_scale("demand_shock")[d.firm]
            cells[d.firm * self.n_mat + d.material] += d.q * scale
        return want

    def available(self, extra: np.ndarray | float = 0.0) -> np.ndarray:
        """Stock per firm and material, substitutes counted at their ratio.

        As ``Firm.available``: ``extra`` (e.g. goods on their way) is added first.
        """
        have = self.sim.stock[:-1] + extra
        terms = [  # from the columns as they were, before any is added to
            (m, have[:, alt] * factor)
            for m, alts in self.sim.substitutes.items()
            for alt, factor in alts
        ]
        for m, term in terms:
            have[:, m] += term
        return have

    def procure(self, day: int, active: np.ndarray) -> None:
        """Import what each vectorised firm lacks; record buyers' service rows.

        Works on the wanted cells only (:meth:`_cells`), which hold every row the full
        matrices of :meth:`target` and :meth:`available` could give, in the same order.
        """
        sim, market = self.sim, self.sim.market
        cell_firm, cell_mat = self.cell_firm, self.cell_material
        part = (self.is_kernel & active)[cell_firm]
        want, have = self._target_cells(self.planned), self._available_cells()
        short = want - have
        price = np.asarray(market.import_price, dtype=float)
        can_import = self.imports[cell_firm] & ~np.isnan(price)[cell_mat]
        buy = part & (short > 1e-12) & can_import
        sel = np.flatnonzero(buy)
        f_idx, m_idx, qty = cell_firm[sel], cell_mat[sel], short[sel]
        flat_cells(sim.stock)[self.cell_code[sel]] += qty
        co2e = np.asarray(market.import_co2e, dtype=float)[m_idx]
        sim.ledger.add_many(
            float(day),
            sim.node_index["import"],
            f_idx,
            m_idx,
            qty,
            Kind.IMPORT,
            value_eur=price[m_idx] * qty,
            co2e_t=co2e * qty,
        )
        self._service(day, part, want, have, buy, short)

    def _service(
        self,
        day: int,
        part: np.ndarray,
        want: np.ndarray,
        have: np.ndarray,
        buy: np.ndarray,
        short: np.ndarray,
    ) -> None:
        """Buyers' service rows of the day, one per wanted cell (as a block of columns)."""
        sim = self.sim
        rows = part & self.buyers[self.cell_firm] & (want > 0.0)
        if not rows.any():
            return
        bought = np.where(buy, short, 0.0)
        sel = np.flatnonzero(rows)
        fs, ms = self.cell_firm[sel], self.cell_material[sel]
        w, h, b = want[sel], have[sel], bought[sel]
        own = np.minimum(flat_cells(sim.stock)[self.cell_code[sel]] - b, w)  # (stock + b) - b
        regional = np.minimum(h, w)
        block = np.empty((8, len(sel)))
        block[0], block[1], block[2], block[3], block[4] = day, fs, ms, w, regional
        block[5] = np.maximum(regional - own, 0.0)  # substituted
        block[6], block[7] = b, np.maximum(w - regional - b, 0.0)  # bought, shortfall
        sim.service_blocks.append(block)

    # ---- the wanted cells ------------------------------------------------------------------
    def _cells(self) -> None:
        """Index the (firm, material) cells vectorised firms want, in row-major order."""
        self.cell_firm, self.cell_material = np.nonzero(self.wanted)
        self.cell_code = self.cell_firm * self.n_mat + self.cell_material
        cell_of = np.full(self.wanted.shape, -1, dtype=np.int64)
        cell_of[self.cell_firm, self.cell_material] = np.arange(len(self.cell_firm))
        self.rank_cells = [cell_of[p.inputs.firm, p.inputs.material] for p in self._by_rank]
        self.demand_cells = cell_of[self.demand.firm, self.demand.material]
        #: Per substitution (material, substitute, factor) in the simulation's order: the
        #: cells of the material and the cell codes of their firms' substitute.
        self.cell_substitutes = []
        for m, alts in self.sim.substitutes.items():
            cells = np.flatnonzero(self.cell_material == m)
            for alt, factor in alts:
                alt_code = self.cell_firm[cells] * self.n_mat + alt
                self.cell_substitutes.append((cells, alt_code, factor))

    def _cell_codes(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Firms, materials and cell codes (see :func:`flat_cells`) of ``mask``'s cells."""
        firm, material = np.nonzero(mask)
        return firm, material, firm * self.n_mat + material

    def _target_cells(self, planned: np.ndarray) -> np.ndarray:
        """:meth:`target` at the wanted cells (the same sums, in the same order)."""
        want = np.zeros(len(self.cell_firm))
        for plan, cells in zip(self._by_rank, self.rank_cells, strict=True):
            want[cells] += plan.inputs.amounts(planned)
        d = self.demand
        if len(d.q):
            want[self.demand_cells] += d.q * self._firm_scale("demand_shock")[d.firm]
        return want

    def _available_cells(self) -> np.ndarray:
        """:meth:`available` (nothing extra) at the wanted cells, term by term the same."""
        stock = flat_cells(self.sim.stock)
        have = stock[self.cell_code] + 0.0
        for cells, alt_code, factor in self.cell_substitutes:
            have[cells] += (stock[alt_code] + 0.0) * factor
        return have

    # ---- produce ---------------------------------------------------------------------------
    def produce(self, day: int) -> None:
        """Run every vectorised process, rank by rank, limited by the inputs on hand."""
        for plan in self._by_rank:
            self._produce_rank(float(day), plan)

    def _produce_rank(self, t: float, plan: _Rank) -> None:
        sim, stock = self.sim, self.sim.stock
        activity = np.where(plan.is_rank, self.planned, 0.0)
        if len(plan.lim_proc):
            np.minimum.at(activity, plan.lim_proc, self._pool_stock(plan) / plan.lim_per)
        activity[activity <= 0.0] = 0.0
        ledger, env = sim.ledger, sim.environment_node
        side = plan.env_in
        amount = side.amounts(activity)
        ledger.add_many(t, env, side.firm, side.material, amount, Kind.EXTRACTION)
        ledger.add_many(t, side.firm, side.firm, side.material, amount, Kind.CONSUMPTION)
        for take in plan.takes:
            self._take(t, take, activity)
        side = plan.outputs
        amount = side.amounts(activity)
        flat_cells(stock)[side.cell] += amount
        ledger.add_many(t, side.firm, side.firm, side.material, amount, Kind.PRODUCTION)
        self._release(t, plan, activity)

    def _pool_stock(self, plan: _Rank) -> np.ndarray:
        """Per input limit of the rank: the weighted units of its pool on hand."""
        stock = flat_cells(self.sim.stock)
        have = np.zeros(len(plan.lim_proc))
        for cell, used, weight in zip(plan.lim_cell, plan.lim_used, plan.lim_w, strict=True):
            term = np.where(used, stock[cell] * weight, 0.0)
            have = np.where(used, have + term, have)
        return have

    def _take(self, t: float, take: _Take, activity: np.ndarray) -> None:
        """Consume input entries: own material first, then substitutes (as Firm._take)."""
        stock, ledger, side = flat_cells(self.sim.stock), self.sim.ledger, take.side
        firm, mat = side.firm, side.material
        need = side.amounts(activity)
        own = np.where(take.alt, np.minimum(stock[side.cell], need), need) if take.any_alt else need
        stock[side.cell] -= own
        ledger.add_many(t, firm, firm, mat, own, Kind.CONSUMPTION)
        if take.any_alt:
            self._substitute(t, take, need[take.alt], own[take.alt])

    def _substitute(self, t: float, take: _Take, need: np.ndarray, own: np.ndarray) -> None:
        """Take what own stock left uncovered from the substitutes, slot by slot.

        Slots without a substitute take nothing (their placeholder material loses 0.0).
        """
        stock, ledger, firm = flat_cells(self.sim.stock), self.sim.ledger, take.firm
        rest, extra = need - own, np.zeros(len(need))
        for sub, cell, ok, factor, mass_sub in zip(
            take.sub, take.sub_cell, take.sub_ok, take.factor, take.mass_sub, strict=True
        ):
            go = (rest > 0.0) & ok
            amount = np.where(go, np.minimum(stock[cell], rest / factor), 0.0)
            stock[cell] -= amount
            ledger.add_many(t, firm, firm, sub, amount, Kind.CONSUMPTION)
            rest = np.where(go, rest - amount * factor, rest)
            gained = amount * mass_sub - amount * factor * take.mass_mat
            extra = np.where(go, extra + gained, extra)
        self._balance(t, firm, take.balance, extra)

    def _balance(self, t: float, firm: np.ndarray, balance: np.ndarray, extra: np.ndarray) -> None:
        """Exchange a substitution's mass difference with the environment (as Firm._take)."""
        ledger = self.sim.ledger
        has = balance >= 0
        out = has & (extra > 0.0)
        if out.any():
            f, b, q = firm[out], balance[out], extra[out]
            ledger.add_many(t, f, f, b, q, Kind.PRODUCTION)
            self._to_sinks(t, f, b, q)
        into = has & (extra < 0.0)
        if into.any():
            f, b, q = firm[into], balance[into], -extra[into]
            ledger.add_many(t, self.sim.environment_node, f, b, q, Kind.EXTRACTION)
            ledger.add_many(t, f, f, b, q, Kind.CONSUMPTION)

    def _to_sinks(self, t: float, firm: np.ndarray, mat: np.ndarray, amount: np.ndarray) -> None:
        """Send released amounts to each material's sink (air, water, soil, consumption)."""
        for kind in np.unique(self.sink_kind[mat]).tolist():
            sel = self.sink_kind[mat] == kind
            self.sim.ledger.add_many(
                t,
                firm[sel],
                self.sink_node[mat[sel]],
                mat[sel],
                amount[sel],
                Kind(kind),
                co2e_t=amount[sel] * self.co2e[mat[sel]],
            )

    def _release(self, t: float, plan: _Rank, activity: np.ndarray) -> None:
        """Record the rank's releases to the environment and send them to their sinks."""
        side, ledger = plan.env_out, self.sim.ledger
        if not len(side.q):
            return
        amount = side.amounts(activity)
        ledger.add_many(t, side.firm, side.firm, side.material, amount, Kind.PRODUCTION)
        for sink in plan.sinks:  # as _to_sinks, grouped once
            q = amount[sink.entries]
            ledger.add_many(t, sink.firm, sink.node, sink.material, q, sink.kind,
                            co2e_t=q * sink.co2e)  # fmt: skip

    # ---- surplus ---------------------------------------------------------------------------
    def surplus(self, day: int, active: np.ndarray) -> None:
        """:func:`surplus` on the cells that can export or overflow, row by row the same.

        Export cells are those of the simulation's ``export_mask``; overflow cells those with
        a storage capacity below infinity (elsewhere the excess is never positive).
        """
        sim, ledger, stock = self.sim, self.sim.ledger, flat_cells(self.sim.stock)
        (ef, em, e_code), (df, dm, d_code) = self.export_cells, self.overflow_cells
        held = (stock[d_code] > 0.0) & active[df]  # before exports, as ``positive``
        have = stock[e_code]
        amount = np.maximum(have - flat_cells(sim.reserved)[e_code], 0.0)
        sel = np.flatnonzero((have > 0.0) & active[ef] & (amount > 0.0))
        f_idx, m_idx, qty = ef[sel], em[sel], amount[sel]
        stock[e_code[sel]] -= qty
        price = np.asarray(sim.market.export_price, dtype=float)[m_idx]
        ledger.add_many(float(day), f_idx, sim.node_index["export"], m_idx, qty, Kind.EXPORT,
                        value_eur=price * qty)  # fmt: skip
        excess = stock[d_code] - self.overflow_capacity
        sel = np.flatnonzero(held & (excess > 0.0))
        f_idx, m_idx, qty = df[sel], dm[sel], excess[sel]
        stock[d_code[sel]] -= qty
        node, fee, co2e = sim.market.disposal_arrays()
        ledger.add_many(float(day), f_idx, node[m_idx], m_idx, qty, Kind.DISPOSAL,
                        value_eur=fee[m_idx] * qty, co2e_t=co2e[m_idx] * qty)  # fmt: skip

    # ---- the static arrays of each rank ----------------------------------------------------
    def _rank_plan(self, rank: int) -> _Rank:
        """One rank's entries and limits, gathered once for the whole run."""
        ins, proc_rank = self.inputs, self.proc_rank
        e = ins.by_rank(proc_rank, rank)
        positions = ins.position[e]
        takes = [
            self._take_plan(e[positions == p]) for p in range(int(positions.max(initial=-1)) + 1)
        ]
        lim = np.flatnonzero(proc_rank[self.lim_proc] == rank)
        used = np.ascontiguousarray((self.lim_mat[lim] >= 0).T)
        env_out = self.env_out.gather(self.env_out.by_rank(proc_rank, rank), self.n_mat)
        return _Rank(
            is_rank=proc_rank == rank,
            lim_proc=self.lim_proc[lim],
            lim_firm=self.proc_firm[self.lim_proc[lim]],
            lim_per=self.lim_per[lim],
            lim_cell=self.proc_firm[self.lim_proc[lim]] * self.n_mat
            + np.where(used, self.lim_mat[lim].T, 0),
            lim_used=used,
            lim_w=np.ascontiguousarray(self.lim_w[lim].T),
            inputs=ins.gather(e, self.n_mat),
            env_in=self.env_in.gather(self.env_in.by_rank(proc_rank, rank), self.n_mat),
            takes=takes,
            outputs=self.outputs.gather(self.outputs.by_rank(proc_rank, rank), self.n_mat),
            env_out=env_out,
            sinks=self._sink_groups(env_out),
        )

    def _take_plan(self, e: np.ndarray) -> _Take:
        """Input entries ``e`` (one rank and position) with their substitutes' arrays."""
        ins, mass = self.inputs, self.sim.mass_t_per_unit
        alt = self.has_alt[e]
        a = e[alt]
        ok = np.ascontiguousarray((self.alt_mat[a] >= 0).T)
        sub = np.ascontiguousarray(np.where(ok, self.alt_mat[a].T, 0))
        firm = ins.firm[a]
        return _Take(
            side=ins.gather(e, self.n_mat),
            alt=alt,
            any_alt=bool(alt.any()),
            firm=firm,
            sub=sub,
            sub_cell=firm * self.n_mat + sub,
            sub_ok=ok,
            factor=np.ascontiguousarray(self.alt_factor[a].T),
            mass_sub=mass[sub],
            mass_mat=mass[ins.material[a]],
            balance=self.balance[a],
        )

    def _sink_groups(self, side: _Side) -> list[_Sink]:
        """The entries of ``side`` grouped by their sink's kind, in the order of the kinds."""
        kinds = self.sink_kind[side.material]
        groups = []
        for kind in np.unique(kinds).tolist():
            sel = np.flatnonzero(kinds == kind)
            mat = side.material[sel]
            groups.append(_Sink(Kind(kind), sel, side.firm[sel], self.sink_node[mat], mat,
                                self.co2e[mat]))  # fmt: skip
        return groups


@dataclass(slots=True)
class _Take:
    """Input entries of one rank and position, and the arrays their substitution needs.

    The substitution arrays (``firm`` to ``balance``) cover the entries with substitutes
    only; those shaped (slots, entries) hold one row per substitute slot.
    """

    side: _Side
    alt: np.ndarray  # per entry: it has substitutes
    any_alt: bool
    firm: np.ndarray
    sub: np.ndarray  # the slot's substitute (0 where the slot is empty)
    sub_cell: np.ndarray  # its cell (see flat_cells)
    sub_ok: np.ndarray  # the slot holds a substitute
    factor: np.ndarray  # units of the input per unit of the substitute (1 where empty)
    mass_sub: np.ndarray  # t per unit of the substitute
    mass_mat: np.ndarray  # t per unit of the input
    balance: np.ndarray  # the group's balance material, -1 if none


@dataclass(slots=True)
class _Sink:
    """Release entries of one rank whose materials go to sinks of one kind."""

    kind: Kind
    entries: np.ndarray  # positions among the rank's release entries
    firm: np.ndarray
    node: np.ndarray
    material: np.ndarray
    co2e: np.ndarray  # t CO2e per unit released


@dataclass(slots=True)
class _Rank:
    """The processes of one rank (each firm's n-th) and their entries, gathered once.

    ``lim_*`` are the rank's input limits; ``lim_cell``, ``lim_used`` and ``lim_w`` hold one
    row per pool member slot.
    """

    is_rank: np.ndarray  # per process
    lim_proc: np.ndarray
    lim_firm: np.ndarray
    lim_per: np.ndarray
    lim_cell: np.ndarray  # (firm, pool member) cells (see flat_cells)
    lim_used: np.ndarray
    lim_w: np.ndarray
    inputs: _Side
    env_in: _Side
    takes: list[_Take]
    outputs: _Side
    env_out: _Side
    sinks: list[_Sink]


def surplus(sim: Simulation, day: int, active: np.ndarray, export_mask: np.ndarray) -> None:
    """Export surplus products and dispose of what exceeds storage, for all firms at once.

    Args:
        sim: The simulation.
        day: Today.
        active: Which firms take part today.
        export_mask: Per firm and material: the firm exports and the material has a market and
            is not one the firm uses itself.
    """
    market, ledger = sim.market, sim.ledger
    stock = sim.stock[:-1]
    positive = (stock > 0.0) & active[:, None]
    amount = np.maximum(stock - sim.reserved, 0.0)
    exp = positive & export_mask & (amount > 0.0)
    f_idx, m_idx = np.nonzero(exp)
    qty = amount[f_idx, m_idx]
    stock[f_idx, m_idx] -= qty
    price = np.asarray(market.export_price, dtype=float)[m_idx]
    ledger.add_many(
        float(day), f_idx, sim.node_index["export"], m_idx, qty, Kind.EXPORT, value_eur=price * qty
    )
    excess = stock - sim.capacity
    dis = positive & (excess > 0.0)
    f_idx, m_idx = np.nonzero(dis)
    qty = excess[f_idx, m_idx]
    stock[f_idx, m_idx] -= qty
    routes = [market.disposal(m) for m in range(len(sim.materials))]
    node = np.array([r.node for r in routes], dtype=np.int64)[m_idx]
    fee = np.array([r.gate_fee for r in routes])[m_idx]
    co2e = np.array([r.co2e for r in routes])[m_idx]
    ledger.add_many(
        float(day), f_idx, node, m_idx, qty, Kind.DISPOSAL, value_eur=fee * qty, co2e_t=co2e * qty
    )
