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

from mfcsim.plugins import Registry, installed_entry_points
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
#: The firm types by name (a plug-in's class registers itself when its module is imported).
REGISTRY: Registry[type[Firm]] = Registry("firm type", "mfcsim.firms", FIRM_TYPES)


def register_firm_type(name: str, cls: type[Firm]) -> None:
    """Register ``cls`` under ``name``.

    Raises:
        RegistryError: If ``name`` is already taken by another class.
    """
    REGISTRY.register(name, cls)


def resolve_firm_type(name: str) -> type[Firm]:
    """Return the class registered as ``name``.

    Raises:
        RegistryError: If no class has that name; the message lists the known names.
    """
    import mfcsim.firms  # noqa: F401  (registers the built-in types)

    return REGISTRY.resolve(name)


def known_firm_types() -> list[str]:
    """The registered type names, sorted."""
    import mfcsim.firms  # noqa: F401

    return REGISTRY.names()


use_firm_types(resolve_firm_type)  # scenario loading expands firm types through this registry
