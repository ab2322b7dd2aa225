"""The indicator registry: ``@indicator(name, unit=..., pillar=..., definition=...)``.

An indicator is a pure function of one :class:`~mfcsim.indicators.window.Window` (the run's
frames restricted to an evaluation period). It returns one of:

- a number: the value for the whole cluster (scope ``cluster``);
- a mapping or Series from scope (``cluster``, ``firm:<id>``, ``material:<id>``) to value;
- a DataFrame with columns ``scope`` and ``value`` and, where rows differ in unit, ``unit``.

Other packages add indicators through the ``mfcsim.indicators`` entry-point group, naming a
function decorated with :func:`indicator` (importing it registers it)::

    [project.entry-points."mfcsim.indicators"]
    larvae_yield_t = "bsf_cluster.indicators:larvae_yield_t"
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal, TypeAlias

import pandas as pd

from mfcsim.errors import RegistryError
from mfcsim.heap import return_freed_memory
from mfcsim.plugins import Registry, taken_error

if TYPE_CHECKING:
    from mfcsim.indicators.window import Window

Pillar = Literal["people", "planet", "profit"]
PILLARS: tuple[Pillar, ...] = ("people", "planet", "profit")
#: Scopes of an indicator reported for the cluster and per firm (and per material).
SCOPES_FIRM = ("cluster", "firm")
SCOPES_ALL = ("cluster", "firm", "material")
Value: TypeAlias = float | Mapping[str, float] | pd.Series | pd.DataFrame
IndicatorFunction: TypeAlias = Callable[["Window"], Value]


@dataclass(frozen=True)
class IndicatorSpec:
    """A registered indicator.

    Attributes:
        name: Unique name, with its unit where it has one (``transport_tkm``).
        unit: Unit of the values (``t``, ``t*km``, ``EUR``, ``share``, ...).
        pillar: ``people``, ``planet`` or ``profit``.
        definition: One line: what it measures and how.
        scopes: The scopes it reports, for the documentation (``cluster``, ``firm``, ...).
        function: Computes the values from one window.
        additive: True for totals that grow with the period's length (t, EUR, t CO2e, ...):
            they are also reported per day, as ``<name>_per_day``.
        requires: The scenario section without which it reports nothing (``machine_pools``,
            ``cooperative``, ...; see :func:`report_only_with`); None: every run reports it.
    """

    name: str
    unit: str
    pillar: Pillar
    definition: str
    scopes: tuple[str, ...]
    function: IndicatorFunction
    additive: bool = False
    requires: str | None = None


#: Every registered indicator by name, in registration order.
INDICATORS: dict[str, IndicatorSpec] = {}
#: Units of totals over a period (reported per day too, unless an indicator says otherwise).
ADDITIVE_UNITS = ("t", "MWh", "EUR", "t*km", "t CO2e")
#: Suffix of the per-day rate of an additive indicator.
PER_DAY = "_per_day"


def indicator(
    name: str,
    *,
    unit: str,
    pillar: Pillar,
    definition: str,
    scopes: tuple[str, ...] = ("cluster",),
    additive: bool | None = None,
) -> Callable[[IndicatorFunction], IndicatorFunction]:
    """Register a function of a :class:`Window` as an indicator (the function is returned).

    ``additive`` (default: the unit is one of :data:`ADDITIVE_UNITS`) adds a per-day rate.

    Raises:
        RegistryError: If the name is taken or the pillar is unknown.
    """
    if pillar not in PILLARS:
        raise RegistryError(f"indicator {name!r}: unknown pillar {pillar!r} (accepted: {PILLARS})")
    if name in INDICATORS:
        raise taken_error("indicator", name, INDICATORS[name].function)

    def register(function: IndicatorFunction) -> IndicatorFunction:
        adds = unit in ADDITIVE_UNITS if additive is None else additive
        INDICATORS[name] = IndicatorSpec(name, unit, pillar, definition, scopes, function, adds)
        return function

    return register


def report_only_with(section: str, names: Iterable[str]) -> None:
    """Mark registered indicators as reported only by scenarios that declare ``section``.

    Such an indicator returns no values for other runs, so their tables stay as they were;
    the documentation and the tests read the mark (:attr:`IndicatorSpec.requires`).

    Raises:
        RegistryError: If a name is not registered.
    """
    for name in names:
        if name not in INDICATORS:
            raise RegistryError(f"indicator {name!r} is not registered")
        INDICATORS[name] = replace(INDICATORS[name], requires=section)


def reported_always() -> dict[str, IndicatorSpec]:
    """The registered indicators every run reports (those marked with a section left out)."""
    return {n: s for n, s in INDICATORS.items() if s.requires is None}


#: The plug-ins of ``mfcsim.indicators`` (each registers itself with :func:`indicator`).
PLUGINS: Registry[IndicatorSpec] = Registry("indicator", "mfcsim.indicators", INDICATORS)


def load_plugins() -> None:
    """Import the ``mfcsim.indicators`` plug-ins once (each registers itself on import).

    Raises:
        RegistryError: If a plug-in cannot be imported or registers a name already taken.
    """
    PLUGINS.load_plugins()


def known_indicators() -> list[IndicatorSpec]:
    """Every registered indicator (plug-ins included), in registration order."""
    load_plugins()
    return list(INDICATORS.values())


def evaluate(spec: IndicatorSpec, window: Window) -> list[tuple[str, float, str]]:
    """The rows ``(scope, value, unit)`` of ``spec`` on a window, then the heap handed back.

    An indicator's working arrays (rows taken from a ledger of millions) are freed when it
    returns; :func:`~mfcsim.heap.return_freed_memory` gives their pages back to the system,
    so that one indicator's leftovers do not add to the next one's peak.
    """
    rows = value_rows(spec, spec.function(window))
    return_freed_memory()
    return rows


def value_rows(spec: IndicatorSpec, value: Value) -> list[tuple[str, float, str]]:
    """The values an indicator returned as rows ``(scope, value, unit)``."""
    if isinstance(value, pd.DataFrame):
        units = value["unit"] if "unit" in value else [spec.unit] * len(value)
        return list(zip(map(str, value["scope"]), map(float, value["value"]), units, strict=True))
    items = value.items() if isinstance(value, Mapping | pd.Series) else [("cluster", value)]
    return [(str(scope), float(v), spec.unit) for scope, v in items]
