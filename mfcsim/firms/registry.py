"""The firm-type registry: names in scenario files → Firm classes.

Classes register themselves by subclassing :class:`~mfcsim.firms.base.Firm` with a
``type_name``. Other packages add types through the ``mfcsim.firms`` entry-point group::

    [project.entry-points."mfcsim.firms"]
    insect_farm = "bsf_cluster.firms:InsectFarm"

Entry points are read only from installed distributions: a ``.dist-info`` folder in the
current directory (which ``python -m mfcsim`` puts on ``sys.path``) is not looked at. The
module an entry point names is then imported as Python imports it, from ``sys.path``, where
``python -m`` puts the current directory first: run ``mfcsim`` (the console script) rather
than ``python -m mfcsim`` in a folder whose modules you do not trust.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mfcsim.errors import RegistryError
from mfcsim.plugins import installed_entry_points, load_entry_points
from mfcsim.scenario.expand import use_firm_types

if TYPE_CHECKING:
    from mfcsim.firms.base import Firm

__all__ = [
    "FIRM_TYPES",
    "installed_entry_points",
    "known_firm_types",
    "register_firm_type",
    "resolve_firm_type",
]

FIRM_TYPES: dict[str, type[Firm]] = {}
_entry_points_loaded = False


def register_firm_type(name: str, cls: type[Firm]) -> None:
    """Register ``cls`` under ``name``.

    Raises:
        RegistryError: If ``name`` is already taken by another class.
    """
    taken = FIRM_TYPES.get(name)
    if taken is not None and taken is not cls:
        raise RegistryError(
            f"firm type {name!r} is already taken by {taken.__module__}.{taken.__qualname__}"
        )
    FIRM_TYPES[name] = cls


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    load_entry_points("mfcsim.firms", FIRM_TYPES)  # a class registers itself when imported


def resolve_firm_type(name: str) -> type[Firm]:
    """Return the class registered as ``name``.

    Raises:
        RegistryError: If no class has that name; the message lists the known names.
    """
    import mfcsim.firms  # noqa: F401  (registers the built-in types)

    if name not in FIRM_TYPES:
        _load_entry_points()
    try:
        return FIRM_TYPES[name]
    except KeyError:
        known = ", ".join(sorted(FIRM_TYPES))
        raise RegistryError(f"unknown firm type {name!r} (accepted: {known})") from None


def known_firm_types() -> list[str]:
    """The registered type names, sorted."""
    import mfcsim.firms  # noqa: F401

    _load_entry_points()
    return sorted(FIRM_TYPES)


use_firm_types(resolve_firm_type)  # scenario loading expands firm types through this registry
