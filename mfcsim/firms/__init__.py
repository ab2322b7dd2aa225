"""Firm types: the base class, the registry and the built-in types."""

from mfcsim.firms import agriculture, city, energy, generic, processing, waste
from mfcsim.firms.base import Firm, Param
from mfcsim.firms.registry import FIRM_TYPES, known_firm_types, resolve_firm_type

__all__ = [
    "FIRM_TYPES",
    "Firm",
    "Param",
    "agriculture",
    "city",
    "energy",
    "generic",
    "known_firm_types",
    "processing",
    "resolve_firm_type",
    "waste",
]
