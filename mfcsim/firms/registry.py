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

import sys
from importlib.metadata import EntryPoint, distributions
from pathlib import Path
from typing import TYPE_CHECKING

from mfcsim.errors import MfcsimError, RegistryError
from mfcsim.scenario.expand import use_firm_types

if TYPE_CHECKING:
    from mfcsim.firms.base import Firm

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
    for ep in installed_entry_points("mfcsim.firms"):
        if ep.name not in FIRM_TYPES:
            try:
                ep.load()
            except MfcsimError:
                raise
            except Exception as exc:
                raise RegistryError(
                    f"the plug-in {ep.name!r} ({ep.value}) cannot be loaded: "
                    f"{exc.__class__.__name__}: {exc}"
                ) from exc


def installed_entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group`` of distributions installed on ``sys.path``.

    The current directory (``''`` or the working directory, as ``python -m`` adds it) is
    left out, so a stray ``.dist-info`` folder there cannot add a plug-in.
    """
    here = Path.cwd().resolve()
    paths = [p for p in sys.path if p not in ("", ".") and Path(p).resolve() != here]
    found: dict[str, EntryPoint] = {}
    for dist in distributions(path=paths):
        for ep in dist.entry_points:
            if ep.group == group and ep.name not in found:
                found[ep.name] = ep
    return list(found.values())


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
