"""Firm: the base class of every firm type, its parameters and its hooks.

A firm type is a subclass with a ``type_name``. It may declare ``PARAMETERS`` and build its
default processes, storage and demand from them in :meth:`Firm.default_spec` (this runs at
load time, so the resolved scenario shows every recipe). At run time the engine calls the
firm in a fixed order of phases every day (see :mod:`mfcsim.engine.simulation`); a subclass changes
behaviour through the narrow hooks of :data:`HOOKS` (documented on :class:`Firm`) and never
writes SimPy code. A firm reads the simulation only through ``self.sim``, a
:class:`~mfcsim.firms.host.FirmHost`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from mfcsim.errors import FirmHookError, short
from mfcsim.firms.hooks import HOOKS, TYPE_HOOKS, check_hook_signatures, hook_reference
from mfcsim.firms.process import Process, season_factors
from mfcsim.firms.registry import register_firm_type
from mfcsim.ledger import Kind
from mfcsim.scenario.spec import FieldProblem

if TYPE_CHECKING:
    from mfcsim.firms.group import FirmGroup
    from mfcsim.firms.host import FirmHost
    from mfcsim.scenario.firm import FirmSpec, ProcessSpec

REQUIRED = object()


def is_number(value: object) -> bool:
    """A real number of Python or numpy (not a bool): what a hook may return as a quantity."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


@dataclass(frozen=True)
class Param:
    """A parameter of a firm type: its default (or REQUIRED) and what it means, with unit."""

    default: Any
    description: str


#: The shapes a parameter's value must have, by the kind of its default.
_SHAPES: tuple[tuple[Callable[[object], bool], str], ...] = (
    (is_number, "a number"),
    (lambda v: isinstance(v, Mapping), "a mapping"),
    (lambda v: isinstance(v, list | tuple), "a list"),
    (lambda v: isinstance(v, str), "text"),
    (lambda v: isinstance(v, bool), "true or false"),
)


def _check_shape(type_name: str, name: str, param: Param, value: Any) -> None:
    """Raise a FieldProblem at ``name`` unless ``value`` has the shape of the default."""
    if value is param.default or param.default is None or param.default is REQUIRED:
        return
    for fits, shape in _SHAPES:
        if fits(param.default) and not fits(value):
            raise FieldProblem(
                (name,),
                f"{value!r} is not {shape} (firm type {type_name!r}, {name}: "
                f"{param.description}; accepted: {shape})",
            )


class Firm:
    """A firm in the cluster. Subclass it with ``type_name=...`` to add a firm type.

    Hooks (:data:`~mfcsim.firms.hooks.HOOKS` and ``TYPE_HOOKS``; the engine calls them
    with these arguments):

    {hooks}

    A type runs in the vectorised kernels unless it overrides a hook marked "per-firm path"
    without its type-level twin (:meth:`runs_vectorised`; ``self.vectorised``); the per-firm
    path does the same arithmetic, so the ledger is the same, only slower.
    ``mfcsim.testing.assert_same_on_both_paths`` holds a type's two versions together.

    State: keep it in attributes set in ``setup`` and change it only in ``after_produce``,
    ``on_delivery`` and ``on_disruption`` (or ``after_produce_many`` in ``group.state``).
    ``planned_activity``, ``target_stock``, ``yield_factor`` and their twins are also
    called one day ahead (the regional agent asks on day ``d`` what each firm will need on
    ``d + 1``), so they must be pure functions of the day and that state.

    Units: activity in units of the process per day; stock and ``target_stock`` in units of
    each material (t, MWh, m3, ...); ``self.material(id)`` gives a material's index and
    ``self.material_id(index)`` its id; ``self.stock_now`` and ``self.plan_today`` are
    read-only views. A yield factor scales the process's outputs but its
    ``yield_balance``, which takes the mass difference, so the recipe still closes.
    The engine checks the hooks' signatures when a type is defined, checks what they
    return, and turns any failure of a hook into a :class:`~mfcsim.errors.FirmHookError`
    naming the firm, its type and the hook. The base ``produce(day)`` records each
    process's realised activity (``activity.parquet``, the use fill); a type that overrides
    ``produce`` must record it too (``self.record_activity(day, process, activity)``; its
    twin ``produce_many`` returns it), or its use fill reads 0.

    Attributes:
        sim: The simulation the firm belongs to, as a firm may read it (a
            :class:`~mfcsim.firms.host.FirmHost`).
        id: The firm id from the scenario.
        index: Row of the firm in the simulation's stock matrix.
        spec: The firm's validated spec.
        params: Parameters after defaults.
        processes: Compiled recipes, in scenario order.
        stock: The firm's stock per material (a view of one row of ``sim.stock``).
        rng: The firm's own random generator (independent of every other firm's).
    """

    type_name: ClassVar[str] = ""
    #: Declared parameters; ``None`` accepts any (for generic firms).
    PARAMETERS: ClassVar[dict[str, Param] | None] = None

    def __init_subclass__(cls, type_name: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if type_name is not None:
            cls.type_name = type_name
        check_hook_signatures(cls)
        if type_name is not None:
            register_firm_type(type_name, cls)

    @classmethod
    def overridden_hooks(cls) -> tuple[str, ...]:
        """The hooks of :data:`HOOKS` this type defines anew, in the order of ``HOOKS``.

        A hook counts as overridden if the type or any base between it and :class:`Firm`
        defines it (the same function as ``Firm``'s does not count).

        The type runs on the per-firm path if any of them has ``per_firm_path`` (today: all
        but ``setup``), in the vectorised kernels otherwise.
        """
        known: tuple[str, ...] | None = cls.__dict__.get("_overridden_hooks")
        if known is None:
            names = (*HOOKS, *TYPE_HOOKS)
            known = tuple(n for n in names if _defined(cls, n) is not _defined(Firm, n))
            cls._overridden_hooks = known  # type: ignore[attr-defined]
        return known

    # ---- load time ------------------------------------------------------------------------
    @classmethod
    def resolve_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        """Check ``params`` against ``PARAMETERS`` and fill in defaults.

        A value must have the shape of its default: a number for a number, a mapping for a
        mapping, a list for a list, text for text (a default of ``None`` or ``REQUIRED``
        accepts anything; the type's ``default_spec`` checks it).

        Raises:
            FieldProblem: (a ValueError) at the parameter's name, on an unknown parameter,
                a missing required one or a value of the wrong shape.
        """
        if cls.PARAMETERS is None:
            return dict(params)
        accepted = ", ".join(sorted(cls.PARAMETERS)) or "none"
        for name in params:
            if name not in cls.PARAMETERS:
                raise FieldProblem(
                    (name,),
                    f"unknown parameter {name!r} for firm type {cls.type_name!r} "
                    f"(accepted: {accepted})",
                )
        out = {}
        for name, param in cls.PARAMETERS.items():
            value = params.get(name, param.default)
            if value is REQUIRED:
                raise FieldProblem(
                    (name,),
                    f"firm type {cls.type_name!r} needs parameter {name!r}: {param.description}",
                )
            _check_shape(cls.type_name, name, param, value)
            out[name] = value
        return out

    @classmethod
    def defaults(cls, params: dict[str, Any]) -> dict[str, Any]:
        """Default spec fields (processes, storage, ...) for these parameters."""
        return cls.default_spec(cls.resolve_params(params))

    @classmethod
    def default_spec(cls, params: dict[str, Any]) -> dict[str, Any]:
        """Hook: build default spec fields from resolved parameters. Units as in scenarios."""
        return {}

    # ---- run time -------------------------------------------------------------------------
    def __init__(self, sim: FirmHost, fid: str, spec: FirmSpec, index: int) -> None:
        self.sim, self.id, self.spec, self.index = sim, fid, spec, index
        self.params = type(self).resolve_params(spec.params)
        self.rng = sim.rng_for("firm", fid)
        self.stock = sim.stock[index]
        self._stock_view: np.ndarray = self.stock.view()
        self._stock_view.flags.writeable = False
        days = sim.horizon_day
        cv = spec.variability.activity_cv
        noise = self.rng.standard_normal(days)
        self.activity_factor = np.maximum(0.0, 1.0 + cv * noise) if cv > 0 else np.ones(days)
        self.processes = [self._compile(pid, p) for pid, p in spec.processes.items()]
        self.planned = [0.0] * len(self.processes)
        self.demand = tuple((sim.material_index[m], q) for m, q in spec.demand.items())
        self.kept_materials = frozenset(
            [m for proc in self.processes for m, _ in proc.inputs] + [m for m, _ in self.demand]
        )
        #: Storage capacity per material index (set by the simulation from the spec).
        self.capacity = np.full(len(sim.materials), np.inf)
        #: Substitutes per material index: (material, units of it per unit of substitute).
        #: A process draws on them when its own input runs out (the group's pool).
        self.alternatives = sim.substitutes
        #: The substitutes this firm counts toward its needs and asks the agent for: those
        #: of materials whose use here accepts them (set by the simulation, see
        #: :func:`mfcsim.engine.simulation.substitute_acceptance`).
        self.accepted: dict[int, list[tuple[int, float]]] = {}
        #: Column of the firm's first process in the simulation's activity record.
        self.process_offset = 0
        self.active = False
        #: Outages in force (a counter, as outages may overlap).
        self.down = 0
        #: Shocks in force: disruption id -> (kind, factor).
        self.shocks: dict[str, tuple[str, float]] = {}
        self.plan_day = -1
        #: Per process id served by a machine pool: the activity its machine booked and the
        #: yield factor, a value per day (set by the engine; see mfcsim.engine.resources).
        self.machine_plan: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.call_hook("setup")

    def call_hook(self, hook: str, *args: Any) -> Any:
        """Call one of the firm's hooks; a failure becomes a FirmHookError naming the firm.

        Raises:
            FirmHookError: If the hook raises (the error's type and message are kept).
        """
        try:
            return getattr(self, hook)(*args)
        except FirmHookError:
            raise
        except Exception as exc:
            raise FirmHookError(
                self.id,
                hook,
                f"raised {exc.__class__.__name__}: {short(str(exc), 120)}",
                firm_type=self.type_name,
            ) from exc

    def _compile(self, pid: str, proc: ProcessSpec) -> Process:
        idx = self.sim.material_index

        def pairs(amounts: dict[str, float]) -> tuple[tuple[int, float], ...]:
            return tuple((idx[m], q) for m, q in amounts.items() if q > 0)

        proc_season = proc.seasonality or self.spec.seasonality
        season = season_factors(proc_season, self.sim.scenario.start_date, self.sim.horizon_day)
        inputs, outputs = pairs(proc.inputs), pairs(proc.outputs)
        balance = None if proc.yield_balance is None else idx[proc.yield_balance]
        coef = 0.0
        if balance is not None:
            mass = self.sim.mass_t_per_unit
            moved = sum(q * float(mass[m]) for m, q in outputs if m != balance)
            coef = moved / float(mass[balance])
        return Process(
            pid,
            proc.capacity,
            inputs,
            outputs,
            pairs(proc.from_environment),
            pairs(proc.to_environment),
            season,
            self._limits(inputs),
            balance,
            coef,
        )

    def _limits(
        self, inputs: tuple[tuple[int, float], ...]
    ) -> tuple[tuple[tuple[tuple[int, float], ...], float], ...]:
        """Pools the inputs draw on: one per plain input, one per substitution group."""
        groups = self.sim.group_of
        out: list[tuple[tuple[tuple[int, float], ...], float]] = []
        demand: dict[int, float] = {}
        for m, q in inputs:
            if m not in groups:
                out.append((((m, 1.0),), q))
            else:
                g = groups[m]
                demand[g] = demand.get(g, 0.0) + q * self.sim.group_ratio[m]
        for g, per_activity in demand.items():
            pool = tuple((m, self.sim.group_ratio[m]) for m in self.sim.group_members[g])
            out.append((pool, per_activity))
        return tuple(out)

    def material(self, material_id: str) -> int:
        """The index of a material (what ``self.stock`` and the hooks' keys use)."""
        return self.sim.material_index[material_id]

    def material_id(self, index: int) -> str:
        """The id of the material at ``index``."""
        return self.sim.materials[index]

    @property
    def stock_now(self) -> np.ndarray:
        """The firm's stock by material index, read-only (a view: it changes as goods move)."""
        return self._stock_view

    @property
    def plan_today(self) -> tuple[float, ...]:
        """Today's planned activity per process (after shocks, before input limits)."""
        return tuple(self.planned)

    @property
    def vectorised(self) -> bool:
        """Whether the firm runs on the vectorised path (see :meth:`runs_vectorised`)."""
        return type(self).runs_vectorised()

    @classmethod
    def runs_vectorised(cls) -> bool:
        """True if every hook this type overrides keeps it on the vectorised path.

        A hook with ``per_firm_path`` counts only if the type lacks its type-level ``twin``.
        """
        overridden = set(cls.overridden_hooks())
        return not any(
            HOOKS[h].per_firm_path and (HOOKS[h].twin is None or HOOKS[h].twin not in overridden)
            for h in overridden
            if h in HOOKS
        )

    def setup(self) -> None:
        """Hook: called once after the firm is built; ``self.params`` is ready."""

    def planned_activity(self, day: int, process: Process) -> float:
        """Hook: activity units ``process`` plans to run on ``day`` (before input limits).

        The default is capacity × seasonal factor × the firm's random daily factor.
        """
        return process.capacity * float(process.season[day]) * float(self.activity_factor[day])

    def yield_factor(self, day: int, process: Process) -> float:
        """Hook: the factor on ``process``'s outputs today; the default is 1.

        Asked only for a process with a ``yield_balance``, which takes the mass difference.
        """
        return 1.0

    def after_produce(self, day: int, activity: tuple[float, ...]) -> None:
        """Hook: called after the produce phase with the activity each process ran today.

        The place to update what the firm keeps across days (with ``on_delivery`` and
        ``on_disruption``); the other hooks only read it.
        """

    def on_delivery(self, t_day: float, material: int, quantity: float) -> None:
        """Hook: a shipment of ``quantity`` units of ``material`` arrived at ``t_day``."""

    def on_disruption(self, t_day: float, kind: str, started: bool) -> None:
        """Hook: an outage or a shock of this firm started (``started``) or ended."""

    @classmethod
    def plan_many(cls, day: int, group: FirmGroup) -> np.ndarray:
        """Type-level hook: ``planned_activity`` of every firm and process of ``group``."""
        return group.default_plan(day)

    @classmethod
    def yield_many(cls, day: int, group: FirmGroup) -> np.ndarray:
        """Type-level hook: ``yield_factor`` of every firm and process (1 where none)."""
        return np.array(
            [
                [f.yield_factor(day, p) if p.yield_balance is not None else 1.0
                 for p in f.processes]
                for f in group.firms
            ]
        )  # fmt: skip

    @classmethod
    def target_many(
        cls, day: int, group: FirmGroup, planned: np.ndarray
    ) -> dict[str | int, np.ndarray]:
        """Type-level hook: ``target_stock`` of every firm, one array per material.

        The default is ``target_stock``'s: the planned activity's inputs plus daily demand.
        """
        return group.default_target(day, planned)

    @classmethod
    def produce_many(cls, day: int, group: FirmGroup) -> np.ndarray:
        """Type-level hook: ``produce`` for every firm at once; returns the activity run.

        The default calls each active firm's ``produce`` at today's plan (``group.planned``),
        one firm at a time, and returns what they recorded.
        """
        activity = np.zeros(group.planned.shape)
        for i, firm in enumerate(group.firms):
            if group.active[i]:
                firm.planned, firm.plan_day = [float(a) for a in group.planned[i]], day
                firm.call_hook("produce", day)
                first = firm.process_offset
                activity[i] = firm.sim.activity_realised[day, first : first + len(firm.processes)]
        return activity

    @classmethod
    def after_produce_many(cls, day: int, group: FirmGroup, activity: np.ndarray) -> None:
        """Type-level hook: ``after_produce`` for every firm (the default calls it per firm)."""
        for firm, row, active in zip(group.firms, activity, group.active, strict=True):
            if active:
                firm.call_hook("after_produce", day, tuple(float(a) for a in row))

    def target_stock(self, day: int) -> dict[int, float]:
        """Hook: quantity per material index the firm wants on hand before producing.

        The default covers the planned activity's inputs plus the firm's daily ``demand``
        (both scaled by a demand shock in force).
        """
        planned = self.planned if day == self.plan_day else self.plan_for(day)
        want: dict[int, float] = {}
        for proc, activity in zip(self.processes, planned, strict=True):
            for m, q in proc.inputs:
                want[m] = want.get(m, 0.0) + q * activity
        scale = self.shock_factor("demand_shock")
        for m, q in self.demand:
            want[m] = want.get(m, 0.0) + q * scale
        return want

    # ---- engine side (not hooks) ----------------------------------------------------------
    def shock_factor(self, kind: str) -> float:
        """Product of the factors of the shocks of ``kind`` in force."""
        factor = 1.0
        for k, f in self.shocks.values():
            if k == kind:
                factor *= f
        return factor

    def plan_for(self, day: int) -> list[float]:
        """Planned activity per process on ``day``: the hook, checked, times shocks.

        Raises:
            FirmHookError: If the hook returns a negative, infinite or non-number value.
        """
        if self.down:
            return [0.0] * len(self.processes)
        scale = self.shock_factor("yield_shock") * self.shock_factor("demand_shock")
        out = []
        for proc in self.processes:
            booked = self.machine_plan.get(proc.id)
            if booked is not None:  # a machine's work replaces the hook
                out.append(float(booked[0][day]) * scale)
                continue
            value = self.call_hook("planned_activity", day, proc)
            if not is_number(value) or not 0.0 <= float(value) < math.inf:
                raise FirmHookError(
                    self.id,
                    "planned_activity",
                    f"returned {short(value)} for process {proc.id!r} "
                    f"on day {day} (accepted: a finite number >= 0)",
                    firm_type=self.type_name,
                )
            out.append(float(value) * scale)
        return out

    def wanted(self, day: int) -> dict[int, float]:
        """The ``target_stock`` hook's answer for ``day``, checked, by material index.

        Keys may be material indices or ids; values finite numbers >= 0.

        Raises:
            FirmHookError: If the hook raises or returns anything else.
        """
        answer = self.call_hook("target_stock", day)
        if not isinstance(answer, dict):
            raise self._bad_target(day, f"returned {short(answer)} (accepted: a dict)")
        out: dict[int, float] = {}
        n = len(self.sim.materials)
        for key, value in answer.items():
            m = self.sim.material_index.get(key) if isinstance(key, str) else key
            if isinstance(m, numbers.Integral) and not isinstance(m, bool) and 0 <= m < n:
                m = int(m)
            else:
                raise self._bad_target(
                    day,
                    f"key {short(key)} is no material (accepted: a material index 0 to "
                    f"{n - 1} or a material id)",
                )
            if not is_number(value) or not 0.0 <= float(value) < math.inf:
                raise self._bad_target(
                    day,
                    f"{short(value)} for {self.sim.materials[m]!r} (accepted: a finite "
                    "number >= 0)",
                )
            out[m] = out.get(m, 0.0) + float(value)
        return out

    def _bad_target(self, day: int, problem: str) -> FirmHookError:
        return FirmHookError(
            self.id, "target_stock", f"on day {day}: {problem}", firm_type=self.type_name
        )

    def plan(self, day: int) -> None:
        """Fix today's planned activity of every process."""
        self.planned = self.plan_for(day)
        self.plan_day = day

    def available(self, m: int, extra: np.ndarray | None = None) -> float:
        """Units of material ``m`` on hand, counting accepted substitutes at their ratio.

        Every substitute's whole stock is counted; where the firm needs several members of
        one group, :meth:`holdings` shares the stock out so no unit counts twice.

        Args:
            m: Material index.
            extra: Per-material quantities to add (e.g. goods on their way).
        """
        total = float(self.stock[m]) + (float(extra[m]) if extra is not None else 0.0)
        for alt, factor in self.accepted.get(m, ()):
            have = float(self.stock[alt]) + (float(extra[alt]) if extra is not None else 0.0)
            total += have * factor
        return total

    def holdings(self, want: dict[int, float], extra: np.ndarray | None = None) -> dict[int, float]:
        """Units on hand toward each wanted material, each unit counted toward one need only.

        A material's own stock counts first. What a group member holds beyond its own want
        is then shared out, in the order of the substitution groups (member, then its
        substitutes), to the members still short whose use here accepts a substitute. The
        vectorised kernels do the same, operation for operation
        (:meth:`mfcsim.engine.kernel.core.Kernel.available_cells`).

        Args:
            want: Units wanted per material index (``target_stock``).
            extra: Per-material quantities to add (e.g. goods on their way).
        """

        def own(m: int) -> float:
            return float(self.stock[m]) + (float(extra[m]) if extra is not None else 0.0)

        have = {m: own(m) for m in want}
        excess: dict[int, float] = {}
        for m, alts in self.sim.substitutes.items():
            if m not in want or m not in self.accepted:
                continue
            for alt, factor in alts:
                if alt not in excess:
                    excess[alt] = max(own(alt) - want.get(alt, 0.0), 0.0)
                rest = max(want[m] - have[m], 0.0)
                take = min(excess[alt], rest / factor)
                excess[alt] -= take
                have[m] += take * factor
        return have

    def produce(self, day: int) -> None:
        """Run each process at its planned activity, limited by the inputs on hand.

        The yield factors of the day are asked first, for every process with a
        ``yield_balance``, before any process runs (as on the vectorised path).
        """
        ledger, t, node = self.sim.ledger, float(day), self.index
        stock, realised = self.stock, self.sim.activity_realised[day]
        yields = {i: self._yields(day, p) for i, p in enumerate(self.processes)
                  if p.yield_balance is not None}  # fmt: skip
        for i, (proc, planned) in enumerate(zip(self.processes, self.planned, strict=True)):
            activity = planned
            for pool, per_activity in proc.limits:
                have = sum(float(stock[m]) * weight for m, weight in pool)
                activity = min(activity, have / per_activity)
            if activity <= 0.0:
                continue
            realised[self.process_offset + i] = activity
            for m, q in proc.from_environment:
                ledger.add(t, self.sim.environment_node, node, m, q * activity, Kind.EXTRACTION)
                ledger.add(t, node, node, m, q * activity, Kind.CONSUMPTION)
            for m, q in proc.inputs:
                self._take(t, m, q * activity)
            outputs = yields.get(i, proc.outputs)
            for m, q in outputs:
                stock[m] += q * activity
                ledger.add(t, node, node, m, q * activity, Kind.PRODUCTION)
            for m, q in proc.to_environment:
                self._release(t, m, q * activity)

    # ---- for a type's own produce(day) --------------------------------------------------
    def record_activity(self, day: int, process: str | int, activity: float) -> None:
        """Record the activity ``process`` (id or position) ran today (the use fill reads it)."""
        r = process if isinstance(process, int) else [p.id for p in self.processes].index(process)
        self.sim.activity_realised[day, self.process_offset + r] = activity

    def consume(self, day: int, material: str | int, quantity: float) -> None:
        """Take ``quantity`` units of ``material`` from stock and record it as consumed."""
        m = material if isinstance(material, int) else self.material(material)
        self.stock[m] -= quantity
        self.sim.ledger.add(float(day), self.index, self.index, m, quantity, Kind.CONSUMPTION)

    def make(self, day: int, material: str | int, quantity: float) -> None:
        """Add ``quantity`` units of ``material`` to stock and record them as produced."""
        m = material if isinstance(material, int) else self.material(material)
        self.stock[m] += quantity
        self.sim.ledger.add(float(day), self.index, self.index, m, quantity, Kind.PRODUCTION)

    def ship(
        self, day: int, material: str | int, quantity: float, to: str, mode: str | None = None
    ) -> None:
        """Send ``quantity`` of ``material`` from stock to firm ``to`` by road, now.

        The lot travels like the agent's (``shipment`` rows, lead time from the distance
        and the mode's speed, cost and CO2e per t·km) and arrives in ``to``'s stock. A lot of
        0 is not sent.

        Raises:
            FirmHookError: If ``to`` is no firm, ``mode`` no road mode, or the stock is short.
        """
        m = material if isinstance(material, int) else self.material(material)
        self.sim.ship_lot(float(day), self.index, to, m, quantity, mode, f"firm:{self.id}")

    def _yields(self, day: int, proc: Process) -> list[tuple[int, float]]:
        """``proc``'s outputs per activity unit at today's ``yield_factor``, checked.

        Raises:
            FirmHookError: If the factor is not a finite number >= 0, or so large that the
                balance material's output would be negative.
        """
        factor = check_yield(self, day, proc, self.call_hook("yield_factor", day, proc))
        booked = self.machine_plan.get(proc.id)
        if booked is not None:  # times the yield left after waiting for a machine
            factor = factor * float(booked[1][day])
        return proc.output_amounts(factor)

    def _take(self, t: float, m: int, need: float) -> None:
        """Consume ``need`` units of ``m``, own material first, then its substitutes."""
        ledger, stock, node = self.sim.ledger, self.stock, self.index
        own = min(float(stock[m]), need) if self.alternatives.get(m) else need
        stock[m] -= own
        ledger.add(t, node, node, m, own, Kind.CONSUMPTION)
        rest, extra_mass_t = need - own, 0.0
        for alt, factor in self.alternatives.get(m, ()):
            if rest <= 0.0:
                break
            take = min(float(stock[alt]), rest / factor)
            stock[alt] -= take
            ledger.add(t, node, node, alt, take, Kind.CONSUMPTION)
            rest -= take * factor
            mass = self.sim.mass_t_per_unit
            extra_mass_t += take * float(mass[alt]) - take * factor * float(mass[m])
        b = self.sim.group_balance.get(m)
        if b is None:
            return
        if extra_mass_t > 0.0:
            self._release(t, b, extra_mass_t)
        elif extra_mass_t < 0.0:
            ledger.add(t, self.sim.environment_node, node, b, -extra_mass_t, Kind.EXTRACTION)
            ledger.add(t, node, node, b, -extra_mass_t, Kind.CONSUMPTION)

    def _release(self, t: float, m: int, amount: float) -> None:
        """Produce ``amount`` of ``m`` and send it straight to its sink (air, water, ...)."""
        sink, kind = self.sim.sink_of[m]
        self.sim.ledger.add(t, self.index, self.index, m, amount, Kind.PRODUCTION)
        self.sim.ledger.add(
            t, self.index, sink, m, amount, kind, co2e_t=amount * self.sim.co2e_per_unit[m]
        )


def _defined(cls: type, name: str) -> Any:
    """The function behind ``cls.name`` (a classmethod's own function, not its binding)."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            member = klass.__dict__[name]
            return member.__func__ if isinstance(member, classmethod) else member
    return None


def check_yield(firm: Firm, day: int, proc: Process, factor: Any) -> float:
    """A yield factor, checked: a finite number >= 0 that keeps the balance output >= 0.

    Raises:
        FirmHookError: Naming the firm, the process, the day and what is accepted.
    """
    bound = math.inf
    if proc.yield_coef > 0:
        q_b = dict(proc.outputs)[proc.yield_balance] if proc.yield_balance is not None else 0.0
        bound = 1.0 + q_b / proc.yield_coef
    if not is_number(factor) or not 0.0 <= float(factor) <= bound:
        raise FirmHookError(
            firm.id, "yield_factor", f"returned {short(factor)} for process {proc.id!r} on "
            f"day {day} (accepted: a number from 0 to {bound:.6g}, where the balance output "
            "is used up)", firm_type=firm.type_name,
        )  # fmt: skip
    return float(factor)


Firm.__doc__ = (Firm.__doc__ or "").replace(
    "{hooks}", hook_reference().replace("\n", "\n    ").replace("\n    \n", "\n\n")
)
