"""Firm types: the base class, the registry and the built-in types."""

from mfcsim.firms import city, energy, generic
from mfcsim.firms.base import Firm, Param
from mfcsim.firms.registry import FIRM_TYPES, known_firm_types, resolve_firm_type

__all__ = [
    "FIRM_TYPES",
    "Firm",
    "Param",
    "city",
    "energy",
    "generic",
    "known_firm_types",
    "resolve_firm_type",
]
