"""Firm types: the base class, the registry, what a firm reads of its host, the built-in types.

- ``base``: :class:`Firm` and its parameters (:class:`Param`).
- ``hooks``: the one list of a firm type's overridable hooks
  (:data:`~mfcsim.firms.hooks.HOOKS`), from which the engine's choice between the
  vectorised kernels and the per-firm path derives (``Firm.overridden_hooks``).
- ``process``: :class:`~mfcsim.firms.process.Process`, a recipe compiled to indices.
- ``host``: :class:`~mfcsim.firms.host.FirmHost`, the Protocol of what a firm may read of the
  simulation that runs it (``self.sim``).
- ``registry``: type names in scenario files -> classes; plug-ins by entry point.
- The built-in families: ``crops`` (arable farm, greenhouse), ``livestock`` (dairy farm, pig
  farm), ``farming`` (what those farms share: fertilising), ``processing`` (food processor,
  brewery, feed mill, retailer), ``energy`` (digester, CHP), ``waste`` (composter), ``city``
  (households as one buyer) and ``generic`` (recipes as written in the scenario).

This package imports only ``mfcsim.errors``, ``mfcsim.units``, ``mfcsim.scenario``,
``mfcsim.ledger`` and ``mfcsim.network`` below it; never the engine, the agent, results,
indicators or viz (a firm knows the simulation only as a ``FirmHost``).
"""

from mfcsim.firms import city, crops, energy, farming, generic, livestock, processing, waste
from mfcsim.firms.base import Firm, Param
from mfcsim.firms.hooks import HOOKS, Hook
from mfcsim.firms.host import FirmHost
from mfcsim.firms.registry import FIRM_TYPES, known_firm_types, resolve_firm_type

__all__ = [
    "FIRM_TYPES",
    "HOOKS",
    "Firm",
    "FirmHost",
    "Hook",
    "Param",
    "city",
    "crops",
    "energy",
    "farming",
    "generic",
    "known_firm_types",
    "livestock",
    "processing",
    "resolve_firm_type",
    "waste",
]
