"""Firm: the base class of every firm type, its parameters and its hooks.

A firm type is a subclass with a ``type_name``. It may declare ``PARAMETERS`` and build its
default processes, storage and demand from them in :meth:`Firm.default_spec` (this runs at
load time, so the resolved scenario shows every recipe). At run time the engine calls the
firm in a fixed order of phases every day (see :mod:`mfcsim.simulation`); a subclass changes
behaviour through the narrow hooks below and never writes SimPy code.

Hooks:
    setup(): called once after construction; read ``self.params``.
    planned_activity(day, process): activity units the process plans to run on ``day``.
    target_stock(day): stock per material the firm wants before it produces on ``day``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from mfcsim.errors import FirmHookError
from mfcsim.firms.registry import register_firm_type
from mfcsim.ledger import Kind

if TYPE_CHECKING:
    from mfcsim.scenario.schema import FirmSpec, ProcessSpec, SeasonalitySpec
    from mfcsim.simulation import Simulation

REQUIRED = object()


@dataclass(frozen=True)
class Param:
    """A parameter of a firm type: its default (or REQUIRED) and what it means, with unit."""

    default: Any
    description: str


@dataclass(slots=True)
class Process:
    """A compiled recipe: material indices and amounts per unit of activity."""

    id: str
    capacity: float
    inputs: tuple[tuple[int, float], ...]
    outputs: tuple[tuple[int, float], ...]
    from_environment: tuple[tuple[int, float], ...]
    to_environment: tuple[tuple[int, float], ...]
    season: np.ndarray


def season_factors(spec: SeasonalitySpec, start: dt.date, days: int) -> np.ndarray:
    """Daily activity factor over the horizon from monthly factors and a day-of-year window."""
    dates = [start + dt.timedelta(days=d) for d in range(days)]
    factors = np.ones(days)
    if spec.monthly is not None:
        factors *= np.array([spec.monthly[d.month - 1] for d in dates])
    if spec.window is not None:
        first, last = spec.window
        doy = np.array([d.timetuple().tm_yday for d in dates])
        inside = (doy >= first) & (doy <= last) if first <= last else (doy >= first) | (doy <= last)
        factors *= inside
    return factors


class Firm:
    """A firm in the cluster. Subclass it with ``type_name=...`` to add a firm type.

    Attributes:
        sim: The simulation the firm belongs to.
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
            register_firm_type(type_name, cls)

    # ---- load time ------------------------------------------------------------------------
    @classmethod
    def resolve_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        """Check ``params`` against ``PARAMETERS`` and fill in defaults.

        Raises:
            ValueError: On an unknown or a missing required parameter.
        """
        if cls.PARAMETERS is None:
            return dict(params)
        accepted = ", ".join(sorted(cls.PARAMETERS)) or "none"
        for name in params:
            if name not in cls.PARAMETERS:
                raise ValueError(
                    f"unknown parameter {name!r} for firm type {cls.type_name!r} "
                    f"(accepted: {accepted})"
                )
        out = {}
        for name, param in cls.PARAMETERS.items():
            value = params.get(name, param.default)
            if value is REQUIRED:
                raise ValueError(
                    f"firm type {cls.type_name!r} needs parameter {name!r}: {param.description}"
                )
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
    def __init__(self, sim: Simulation, fid: str, spec: FirmSpec, index: int) -> None:
        self.sim, self.id, self.spec, self.index = sim, fid, spec, index
        self.params = type(self).resolve_params(spec.params)
        self.rng = sim.rng_for("firm", fid)
        self.stock = sim.stock[index]
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
        self.active = False
        self.setup()

    def _compile(self, pid: str, proc: ProcessSpec) -> Process:
        idx = self.sim.material_index

        def pairs(amounts: dict[str, float]) -> tuple[tuple[int, float], ...]:
            return tuple((idx[m], q) for m, q in amounts.items() if q > 0)

        proc_season = proc.seasonality or self.spec.seasonality
        season = season_factors(proc_season, self.sim.scenario.start_date, self.sim.horizon_day)
        return Process(
            pid,
            proc.capacity,
            pairs(proc.inputs),
            pairs(proc.outputs),
            pairs(proc.from_environment),
            pairs(proc.to_environment),
            season,
        )

    def setup(self) -> None:
        """Hook: called once after the firm is built; ``self.params`` is ready."""

    def planned_activity(self, day: int, process: Process) -> float:
        """Hook: activity units ``process`` plans to run on ``day`` (before input limits).

        The default is capacity × seasonal factor × the firm's random daily factor.
        """
        return process.capacity * float(process.season[day]) * float(self.activity_factor[day])

    def target_stock(self, day: int) -> dict[int, float]:
        """Hook: quantity per material index the firm wants on hand before producing.

        The default covers the planned activity's inputs plus the firm's daily ``demand``.
        """
        want: dict[int, float] = {}
        for proc, planned in zip(self.processes, self.planned, strict=True):
            for m, q in proc.inputs:
                want[m] = want.get(m, 0.0) + q * planned
        for m, q in self.demand:
            want[m] = want.get(m, 0.0) + q
        return want

    # ---- engine side (not hooks) ----------------------------------------------------------
    def plan(self, day: int) -> None:
        """Ask the hook for each process's planned activity and check what it returns."""
        for i, proc in enumerate(self.processes):
            value = self.planned_activity(day, proc)
            if not value >= 0.0 or value == float("inf"):
                raise FirmHookError(
                    self.id,
                    "planned_activity",
                    f"returned {value!r} for "
                    f"process {proc.id!r} on day {day} (accepted: a finite "
                    f"number >= 0)",
                )
            self.planned[i] = float(value)

    def produce(self, day: int) -> None:
        """Run each process at its planned activity, limited by the inputs on hand."""
        ledger, t, node = self.sim.ledger, float(day), self.index
        stock = self.stock
        for proc, planned in zip(self.processes, self.planned, strict=True):
            activity = planned
            for m, q in proc.inputs:
                activity = min(activity, stock[m] / q)
            if activity <= 0.0:
                continue
            for m, q in proc.from_environment:
                ledger.add(t, self.sim.environment_node, node, m, q * activity, Kind.EXTRACTION)
                ledger.add(t, node, node, m, q * activity, Kind.CONSUMPTION)
            for m, q in proc.inputs:
                stock[m] -= q * activity
                ledger.add(t, node, node, m, q * activity, Kind.CONSUMPTION)
            for m, q in proc.outputs:
                stock[m] += q * activity
                ledger.add(t, node, node, m, q * activity, Kind.PRODUCTION)
            for m, q in proc.to_environment:
                sink, kind = self.sim.sink_of[m]
                ledger.add(t, node, node, m, q * activity, Kind.PRODUCTION)
                ledger.add(
                    t,
                    node,
                    sink,
                    m,
                    q * activity,
                    kind,
                    co2e_t=q * activity * self.sim.co2e_per_unit[m],
                )
