"""Vectorised daily phases: plan, procure and produce for all firms at once, and surplus.

Firms whose type overrides none of the hooks that need the per-firm path (``HOOKS`` of
:mod:`mfcsim.firms.hooks`; see :func:`~mfcsim.engine.per_firm.vectorisable`) run here with
numpy over all of them at once, substitution groups included (pools, substitutes taken in
group order, the holdings of :meth:`Kernel.available_cells`); every other firm keeps its own
Python path, hook by hook (:mod:`mfcsim.engine.per_firm`). The arithmetic is the same,
operation for operation, as :class:`~mfcsim.firms.base.Firm`'s, so the ledger is the same to
the last bit whichever path a firm takes (``tests/test_golden.py``,
``tests/test_kernel_paths.py``).

Processes are handled rank by rank (a firm's first process, then its second, ...), which
keeps the order in which one firm's processes draw on its stock. The arrays each rank reads
are gathered once at start-up (:mod:`mfcsim.engine.kernel.plans`); the produce and surplus
phases are in :mod:`mfcsim.engine.kernel.produce` and :mod:`mfcsim.engine.kernel.surplus`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from mfcsim.engine.kernel.plans import Entries, flat_cells, rank_plan
from mfcsim.engine.kernel.produce import produce_rank
from mfcsim.engine.kernel.surplus import surplus, surplus_on_cells
from mfcsim.engine.kernel.typed import (
    after_produce,
    plan_into,
    produce_own,
    target_into,
    typed_groups,
    yield_factors,
)
from mfcsim.engine.per_firm import substituted_part, vectorisable
from mfcsim.firms.base import Firm
from mfcsim.ledger import Kind

if TYPE_CHECKING:
    from mfcsim.engine.market import Market
    from mfcsim.engine.state import State
    from mfcsim.ledger import Ledger
    from mfcsim.world import World

__all__ = ["Kernel", "flat_cells", "surplus"]


class Kernel:
    """The vectorised phases of one simulation."""

    def __init__(
        self,
        world: World,
        state: State,
        firms: list[Firm],
        ledger: Ledger,
        market: Market,
        *,
        per_firm_only: bool = False,
    ) -> None:
        self.world, self.state, self.ledger, self.market = world, state, ledger, market
        #: Every firm of the run, by index (those of the other path too).
        self.all_firms = firms
        self.n_mat = len(world.materials)
        self.firms = [] if per_firm_only else [f for f in firms if vectorisable(f)]
        self.fallback = [f for f in firms if per_firm_only or not vectorisable(f)]
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
        #: Each process's column in the simulation's activity record.
        self.proc_column = np.array(
            [firms[f].process_offset + r for f, r, _ in procs], dtype=np.int64
        )
        self.proc_rank = np.array([p[1] for p in procs], dtype=np.int64)
        self.capacity = np.array([firms[f].processes[r].capacity for f, r, _ in procs])
        #: Seasonal factor and the firm's daily factor of each process, a row per day.
        self.season = np.array(seasons).reshape(len(procs), world.horizon_day).T.copy()
        factors = np.array([f.activity_factor for f in firms]).reshape(
            len(firms), world.horizon_day
        )
        self.factor = factors.T[:, self.proc_firm].copy()
        self.inputs = Entries(sides["inputs"])
        self.outputs = Entries(sides["outputs"])
        self.env_in = Entries(sides["from_environment"])
        self.env_out = Entries(sides["to_environment"])
        self.ranks = int(self.proc_rank.max()) + 1 if len(procs) else 0
        demand = [(0, f.index, m, q) for f in self.firms for m, q in f.demand]
        self.demand = Entries(demand)
        self.wanted = np.zeros(state.stock[:-1].shape, dtype=bool)
        self.wanted[self.inputs.firm, self.inputs.material] = True
        self.wanted[self.demand.firm, self.demand.material] = True
        #: Per firm and material: its place in the firm's ``target_stock`` order.
        self.want_order = np.full(self.wanted.shape, np.iinfo(np.int64).max, dtype=np.int64)
        for firm in self.firms:
            seen = [m for proc in firm.processes for m, _ in proc.inputs]
            seen += [m for m, _ in firm.demand]
            for place, m in enumerate(dict.fromkeys(seen)):
                self.want_order[firm.index, m] = place
        self.is_kernel = np.zeros(len(firms), dtype=bool)
        self.is_kernel[[f.index for f in self.firms]] = True
        self.imports = np.array([f.spec.imports for f in firms], dtype=bool)
        self.buyers = np.array([f.spec.buyer for f in firms], dtype=bool)
        self.planned = np.zeros(len(procs))
        self._planned_key: tuple | None = None
        self._planned_last = self.planned
        self._pools(procs)
        self._alternatives()
        self._sinks()
        self._by_rank = [rank_plan(self, rank) for rank in range(self.ranks)]
        self._typed(procs)
        self._cells()
        self.export_cells = self._cell_codes(state.export_mask)
        self.overflow_cells = self._cell_codes(state.capacity < np.inf)
        self.overflow_capacity = state.capacity[self.overflow_cells[:2]]

    def _typed(self, procs: list[tuple[int, int, int]]) -> None:
        """Type-level hooks and yield factors (:mod:`mfcsim.engine.kernel.typed`)."""
        proc_of = {(f, r): p for p, (f, r, _) in enumerate(procs)}
        self.typed = typed_groups(self.firms, proc_of)
        compiled = [self.all_firms[f].processes[r] for f, r, _ in procs]
        #: Per process: its yield balance material (-1: none), coefficient and largest factor.
        self.yield_coef = np.array([c.yield_coef for c in compiled], dtype=float)
        balance_of = [-1 if c.yield_balance is None else c.yield_balance for c in compiled]
        q_b = np.array(
            [dict(c.outputs).get(b, 0.0) for c, b in zip(compiled, balance_of, strict=True)]
        )
        self.yield_balance = np.array(balance_of, dtype=np.int64)
        coef = np.where(self.yield_coef > 0.0, self.yield_coef, 1.0)
        self.yield_bound = np.where(self.yield_coef > 0.0, 1.0 + q_b / coef, np.inf)
        #: Today's yield factor per process (None: no type sets one, the outputs as written).
        self.yield_today: np.ndarray | None = None
        #: Whether any type sets yield factors (asked for each day before production).
        self.yields = any(g.yields for g in self.typed)
        #: Per process: run by its type's own ``produce_many``, not by the ranks.
        self.own_produce = np.zeros(len(procs), dtype=bool)
        for g in self.typed:
            if g.produces:
                self.own_produce[g.procs.ravel()] = True
        self.any_own_produce = bool(self.own_produce.any())
        self._machines(procs)

    def _machines(self, procs: list[tuple[int, int, int]]) -> None:
        """The processes a machine pool serves: their plan and yield are the machines'."""
        plan = self.state.machines
        pairs = [] if plan is None else [
            (p, plan.column_of[f, self.all_firms[f].processes[r].id])
            for p, (f, r, _) in enumerate(procs)
            if (f, self.all_firms[f].processes[r].id) in plan.column_of
        ]  # fmt: skip
        #: Kernel process index and machine-plan column of each machine-served process.
        self.machine_proc = np.array([p for p, _ in pairs], dtype=np.int64)
        self.machine_col = np.array([k for _, k in pairs], dtype=np.int64)
        self.yields = self.yields or bool(pairs)

    def _pools(self, procs: list[tuple[int, int, int]]) -> None:
        """Each process's input limits as padded arrays: members, weights, per activity."""
        rows = []
        for p, (f, r, _) in enumerate(procs):
            for pool, per_activity in self.all_firms[f].processes[r].limits:
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
        subs, ins = self.world.substitutes, self.inputs
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
            self.balance[e] = self.world.group_balance.get(m, -1)

    def _sinks(self) -> None:
        world = self.world
        self.sink_node = np.array([node for node, _ in world.sink_of], dtype=np.int64)
        self.sink_kind = np.array([int(kind) for _, kind in world.sink_of], dtype=np.int8)
        self.co2e = np.array(world.co2e_per_unit, dtype=float)

    # ---- plan ------------------------------------------------------------------------------
    def _firm_scale(self, kind_a: str, kind_b: str | None = None) -> np.ndarray:
        """Per firm: product of its shocks of the given kinds (1 where none), 0 if down."""
        scale = np.ones(len(self.all_firms))
        for firm in self.state.touched.values():
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
        key = (day, taking_part.tobytes(), self._disruption_state(), self.state.hook_version)
        if key == self._planned_key:
            return self._planned_last
        scale = self._firm_scale("yield_shock", "demand_shock")[self.proc_firm]
        base = self.capacity * self.season[day] * self.factor[day]
        plan_into(base, self.typed, day)
        if len(self.machine_proc):  # a machine's work replaces the plan (engine.resources)
            assert self.state.machines is not None
            base[self.machine_proc] = self.state.machines.booked[day, self.machine_col]
        planned = base * scale
        down = np.zeros(len(self.all_firms), dtype=bool)
        for firm in self.state.touched.values():
            down[firm.index] = firm.down > 0
        planned[down[self.proc_firm] | ~taking_part[self.proc_firm]] = 0.0
        planned.flags.writeable = False
        self._planned_key, self._planned_last = key, planned
        return planned

    def _disruption_state(self) -> tuple[tuple[int, int, tuple[tuple[str, float], ...]], ...]:
        """Outages and shocks in force at the firms disruptions touched (what plans read)."""
        touched = self.state.touched
        return tuple((i, f.down, tuple(f.shocks.values())) for i, f in touched.items())

    def plan(self, day: int, active: np.ndarray) -> None:
        """Fix today's planned activity of every process (and record it)."""
        self.planned = self.planned_for(day, active)
        self.state.activity_planned[day, self.proc_column] = self.planned

    # ---- procure ---------------------------------------------------------------------------
    def procure(self, day: int, active: np.ndarray) -> None:
        """Import what each vectorised firm lacks; record buyers' service rows.

        Works on the wanted cells (:meth:`_cells`), the only ones a vectorised firm asks for.
        """
        market = self.market
        cell_firm, cell_mat = self.cell_firm, self.cell_material
        part = (self.is_kernel & active)[cell_firm]
        want = self.target_cells(self.planned, day)
        have = self.available_cells(want)
        short = want - have
        price = np.asarray(market.import_price, dtype=float)
        can_import = self.imports[cell_firm] & ~np.isnan(price)[cell_mat]
        buy = part & (short > 1e-12) & can_import
        sel = np.flatnonzero(buy)
        f_idx, m_idx, qty = cell_firm[sel], cell_mat[sel], short[sel]
        if market.limited:  # the daily import limit, firms in order (as the per-firm path)
            qty = market.grant(market.import_left, m_idx, qty)
            keep = qty > 0.0
            sel, f_idx, m_idx, qty = sel[keep], f_idx[keep], m_idx[keep], qty[keep]
        bought = np.zeros(len(short))
        bought[sel] = qty
        flat_cells(self.state.stock)[self.cell_code[sel]] += qty
        co2e = np.asarray(market.import_co2e, dtype=float)[m_idx]
        self.ledger.add_many(
            float(day),
            self.world.node_index["import"],
            f_idx,
            m_idx,
            qty,
            Kind.IMPORT,
            value_eur=price[m_idx] * qty,
            co2e_t=co2e * qty,
        )
        self._service(day, part, want, have, bought)

    def _service(
        self,
        day: int,
        part: np.ndarray,
        want: np.ndarray,
        have: np.ndarray,
        bought: np.ndarray,
    ) -> None:
        """Buyers' service rows of the day, one per wanted cell (as a block of columns)."""
        rows = part & self.buyers[self.cell_firm] & (want > 0.0)
        if not rows.any():
            return
        sel = np.flatnonzero(rows)
        fs, ms = self.cell_firm[sel], self.cell_material[sel]
        w, h, b = want[sel], have[sel], bought[sel]
        own = np.minimum(
            flat_cells(self.state.stock)[self.cell_code[sel]] - b, w
        )  # (stock + b) - b
        regional = np.minimum(h, w)
        block = np.empty((8, len(sel)))
        block[0], block[1], block[2], block[3], block[4] = day, fs, ms, w, regional
        block[5] = substituted_part(regional, own, w)
        block[6], block[7] = b, np.maximum(w - regional - b, 0.0)  # bought, shortfall
        self.state.service_blocks.append(block)

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
        #: cells of the material whose firm accepts a substitute for it, their firms, the
        #: substitute and the factor (see :meth:`available_cells`).
        self.cell_substitutes = []
        accepts = self.state.accepts[self.cell_firm, self.cell_material]
        for m, alts in self.world.substitutes.items():
            cells = np.flatnonzero((self.cell_material == m) & accepts)
            for alt, factor in alts:
                self.cell_substitutes.append((cells, self.cell_firm[cells], alt, factor))
        for g in self.typed:
            g.set_cells(cell_of[g.group.index])
        #: Per group member: its wanted cells (where a firm's own want comes first).
        self.member_cells = {
            alt: np.flatnonzero(self.cell_material == alt)
            for alts in self.world.substitutes.values()
            for alt, _ in alts
        }

    def _cell_codes(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Firms, materials and cell codes (see :func:`flat_cells`) of ``mask``'s cells."""
        firm, material = np.nonzero(mask)
        return firm, material, firm * self.n_mat + material

    def target_cells(self, planned: np.ndarray, day: int) -> np.ndarray:
        """Stock wanted at each wanted cell on ``day``: planned inputs, then daily demand.

        As ``Firm.target_stock`` gives it for each firm, term by term (inputs rank by rank);
        a type's ``target_many`` replaces it for the type's firms.
        """
        want = np.zeros(len(self.cell_firm))
        for plan, cells in zip(self._by_rank, self.rank_cells, strict=True):
            want[cells] += plan.inputs.amounts(planned)
        d = self.demand
        if len(d.q):
            want[self.demand_cells] += d.q * self._firm_scale("demand_shock")[d.firm]
        target_into(want, self.typed, planned, day)
        return want

    def available_cells(self, want: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
        """Units on hand toward each wanted cell, each unit counted toward one need only.

        As ``Firm.holdings``, operation for operation: a cell's own stock (plus ``extra``, per
        firm and material, e.g. goods on their way) counts first; then what each group member
        holds beyond its own want is shared out, substitution by substitution in the
        simulation's order, to the accepting cells still short.

        Args:
            want: Units wanted at each wanted cell (:meth:`target_cells`).
            extra: Per firm and material quantities to add.
        """
        stock = flat_cells(self.state.stock[:-1])
        plus = flat_cells(extra) if extra is not None else None

        def at(code: np.ndarray) -> np.ndarray:
            return stock[code] + (plus[code] if plus is not None else 0.0)

        have = at(self.cell_code)
        excess: dict[int, np.ndarray] = {}
        for cells, firms, alt, factor in self.cell_substitutes:
            if not len(cells):
                continue
            if alt not in excess:
                excess[alt] = self._excess(at, want, alt)
            rest = np.maximum(want[cells] - have[cells], 0.0)
            take = np.minimum(excess[alt][firms], rest / factor)
            excess[alt][firms] -= take
            have[cells] += take * factor
        return have

    def _excess(self, at: Callable[[np.ndarray], np.ndarray], want: np.ndarray,
                alt: int) -> np.ndarray:  # fmt: skip
        """Per firm: what it holds of group member ``alt`` beyond its own want of it."""
        n_firms = len(self.all_firms)
        held = at(np.arange(n_firms, dtype=np.int64) * self.n_mat + alt)
        cells = self.member_cells[alt]
        held[self.cell_firm[cells]] = held[self.cell_firm[cells]] - want[cells]
        return np.maximum(held, 0.0)

    # ---- produce ---------------------------------------------------------------------------
    def produce(self, day: int) -> None:
        """Run every vectorised process, rank by rank, limited by the inputs on hand."""
        if self.yields:
            has_yield = self.yield_balance >= 0
            self.yield_today = yield_factors(self.typed, has_yield, self.yield_bound, day)
            if len(self.machine_proc):  # times the yield left after waiting for a machine
                assert self.state.machines is not None
                m, factor = self.machine_proc, self.state.machines.factor[day, self.machine_col]
                self.yield_today[m] = self.yield_today[m] * factor
        for plan in self._by_rank:
            produce_rank(self, float(day), plan)
        produce_own(self.typed, self.state, self.planned, self.proc_column, day)
        after_produce(self.typed, self.state, self.proc_column, day)

    # ---- surplus ---------------------------------------------------------------------------
    def surplus(self, day: int, active: np.ndarray) -> None:
        """Export surplus products and dispose of what exceeds storage (as :func:`surplus`).

        Runs :func:`~mfcsim.engine.kernel.surplus.surplus_on_cells`.
        """
        surplus_on_cells(self, day, active)
