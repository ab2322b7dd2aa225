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


class Kernel:
    """The vectorised phases of one simulation."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
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
        self.season = np.array(seasons).reshape(len(procs), sim.horizon_day)
        factors = np.array([f.activity_factor for f in sim.firms]).reshape(
            len(sim.firms), sim.horizon_day
        )
        self.factor = factors[self.proc_firm] if len(procs) else np.zeros((0, sim.horizon_day))
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
        self._pools(procs)
        self._alternatives()
        self._sinks()

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

        Zero for firms that are down or do not take part (``taking_part`` per firm).
        """
        scale = self._firm_scale("yield_shock", "demand_shock")[self.proc_firm]
        planned = self.capacity * self.season[:, day] * self.factor[:, day] * scale
        down = np.zeros(len(self.sim.firms), dtype=bool)
        for firm in self.sim.disruptions.touched.values():
            down[firm.index] = firm.down > 0
        planned[down[self.proc_firm] | ~taking_part[self.proc_firm]] = 0.0
        return planned

    def plan(self, day: int, active: np.ndarray) -> None:
        """Fix today's planned activity of every process."""
        self.planned = self.planned_for(day, active)

    # ---- procure ---------------------------------------------------------------------------
    def target(self, planned: np.ndarray | None = None) -> np.ndarray:
        """Stock wanted per firm and material (planned inputs, then daily demand)."""
        planned = self.planned if planned is None else planned
        want = np.zeros(self.sim.stock[:-1].shape)
        ins = self.inputs
        for rank in range(self.ranks):
            e = ins.by_rank(self.proc_rank, rank)
            want[ins.firm[e], ins.material[e]] += ins.q[e] * planned[ins.proc[e]]
        d = self.demand
        if len(d.q):
            scale = self._firm_scale("demand_shock")[d.firm]
            want[d.firm, d.material] += d.q * scale
        return want

    def available(self, extra: np.ndarray | float = 0.0) -> np.ndarray:
        """Stock per firm and material, substitutes counted at their ratio.

        As ``Firm.available``: ``extra`` (e.g. goods on their way) is added first.
        """
        stock = self.sim.stock[:-1]
        with_extra = stock + extra
        have = with_extra.copy()
        for m, alts in self.sim.substitutes.items():
            for alt, factor in alts:
                have[:, m] += with_extra[:, alt] * factor
        return have

    def procure(self, day: int, active: np.ndarray) -> None:
        """Import what each vectorised firm lacks; record buyers' service rows."""
        sim, market = self.sim, self.sim.market
        can_import = self.imports & self.is_kernel & active
        wanted = self.wanted & (self.is_kernel & active)[:, None]
        want, have = self.target(), self.available()
        short = want - have
        importable = ~np.isnan(np.asarray(market.import_price, dtype=float))
        buy = wanted & (short > 1e-12) & can_import[:, None] & importable[None, :]
        f_idx, m_idx = np.nonzero(buy)
        qty = short[f_idx, m_idx]
        sim.stock[f_idx, m_idx] += qty
        price = np.asarray(market.import_price, dtype=float)[m_idx]
        co2e = np.asarray(market.import_co2e, dtype=float)[m_idx]
        sim.ledger.add_many(
            float(day),
            sim.node_index["import"],
            f_idx,
            m_idx,
            qty,
            Kind.IMPORT,
            value_eur=price * qty,
            co2e_t=co2e * qty,
        )
        self._service(day, wanted, want, have, buy, short)

    def _service(
        self,
        day: int,
        wanted: np.ndarray,
        want: np.ndarray,
        have: np.ndarray,
        buy: np.ndarray,
        short: np.ndarray,
    ) -> None:
        sim = self.sim
        buyers = self.buyers
        rows = wanted & buyers[:, None] & (want > 0.0)
        if not rows.any():
            return
        bought = np.where(buy, short, 0.0)
        fs, ms = np.nonzero(rows)
        w, h, b = want[fs, ms], have[fs, ms], bought[fs, ms]
        own = np.minimum(sim.stock[fs, ms] - b, w)  # as the per-firm path: (stock + b) - b
        regional = np.minimum(h, w)
        substituted = np.maximum(regional - own, 0.0)
        shortfall = np.maximum(w - regional - b, 0.0)
        sim.service_rows.extend(
            zip(
                [float(day)] * len(fs),
                fs.tolist(),
                ms.tolist(),
                w.tolist(),
                regional.tolist(),
                substituted.tolist(),
                b.tolist(),
                shortfall.tolist(),
                strict=True,
            )
        )

    # ---- produce ---------------------------------------------------------------------------
    def produce(self, day: int) -> None:
        """Run every vectorised process, rank by rank, limited by the inputs on hand."""
        for rank in range(self.ranks):
            self._produce_rank(float(day), rank)

    def _produce_rank(self, t: float, rank: int) -> None:
        sim, stock = self.sim, self.sim.stock
        activity = np.where(self.proc_rank == rank, self.planned, 0.0)
        lim = np.flatnonzero(self.proc_rank[self.lim_proc] == rank)
        if len(lim):
            firm = self.proc_firm[self.lim_proc[lim]]
            have = np.zeros(len(lim))
            for k in range(self.lim_mat.shape[1]):
                mat = self.lim_mat[lim, k]
                used = mat >= 0
                term = np.where(used, stock[firm, np.where(used, mat, 0)] * self.lim_w[lim, k], 0.0)
                have = np.where(used, have + term, have)
            np.minimum.at(activity, self.lim_proc[lim], have / self.lim_per[lim])
        activity[activity <= 0.0] = 0.0
        ledger, env = sim.ledger, sim.environment_node
        side = self.env_in
        e = side.by_rank(self.proc_rank, rank)
        amount = side.q[e] * activity[side.proc[e]]
        ledger.add_many(t, env, side.firm[e], side.material[e], amount, Kind.EXTRACTION)
        ledger.add_many(t, side.firm[e], side.firm[e], side.material[e], amount, Kind.CONSUMPTION)
        ins = self.inputs
        e_rank = ins.by_rank(self.proc_rank, rank)
        for position in range(int(ins.position[e_rank].max(initial=-1)) + 1):
            self._take(t, e_rank[ins.position[e_rank] == position], activity)
        side = self.outputs
        e = side.by_rank(self.proc_rank, rank)
        amount = side.q[e] * activity[side.proc[e]]
        stock[side.firm[e], side.material[e]] += amount
        ledger.add_many(t, side.firm[e], side.firm[e], side.material[e], amount, Kind.PRODUCTION)
        self._release(t, rank, activity)

    def _take(self, t: float, e: np.ndarray, activity: np.ndarray) -> None:
        """Consume input entries ``e``: own material first, then substitutes (as Firm._take)."""
        sim, stock, ins, ledger = self.sim, self.sim.stock, self.inputs, self.sim.ledger
        firm, mat = ins.firm[e], ins.material[e]
        need = ins.q[e] * activity[ins.proc[e]]
        alt = self.has_alt[e]
        own = np.where(alt, np.minimum(stock[firm, mat], need), need)
        stock[firm, mat] -= own
        ledger.add_many(t, firm, firm, mat, own, Kind.CONSUMPTION)
        if not alt.any():
            return
        e, firm, mat, need, own = e[alt], firm[alt], mat[alt], need[alt], own[alt]
        rest, extra = need - own, np.zeros(len(e))
        mass = sim.mass_t_per_unit
        for k in range(self.alt_mat.shape[1]):
            sub, factor = self.alt_mat[e, k], self.alt_factor[e, k]
            go = (rest > 0.0) & (sub >= 0)
            sub_safe = np.where(sub >= 0, sub, 0)
            take = np.where(go, np.minimum(stock[firm, sub_safe], rest / factor), 0.0)
            stock[firm[go], sub_safe[go]] -= take[go]
            ledger.add_many(t, firm[go], firm[go], sub_safe[go], take[go], Kind.CONSUMPTION)
            rest = np.where(go, rest - take * factor, rest)
            extra = np.where(go, extra + (take * mass[sub_safe] - take * factor * mass[mat]), extra)
        self._balance(t, firm, self.balance[e], extra)

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

    def _release(self, t: float, rank: int, activity: np.ndarray) -> None:
        side, ledger = self.env_out, self.sim.ledger
        e = side.by_rank(self.proc_rank, rank)
        if not len(e):
            return
        firm, mat = side.firm[e], side.material[e]
        amount = side.q[e] * activity[side.proc[e]]
        ledger.add_many(t, firm, firm, mat, amount, Kind.PRODUCTION)
        self._to_sinks(t, firm, mat, amount)


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
