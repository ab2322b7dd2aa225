"""Plug-ins: the entry points of installed distributions, by group.

Other packages add firm types (``mfcsim.firms``), clearing policies (``mfcsim.policies``) and
indicators (``mfcsim.indicators``) through entry points::

    [project.entry-points."mfcsim.policies"]
    my_policy = "my_package.policies:allocate_my_policy"

Entry points are read only from installed distributions: a ``.dist-info`` folder in the
current directory (which ``python -m mfcsim`` puts on ``sys.path``) is not looked at.
"""

from __future__ import annotations

import sys
from collections.abc import Container
from importlib.metadata import EntryPoint, distributions
from pathlib import Path

from mfcsim.errors import MfcsimError, RegistryError

#: The entry-point groups mfcsim reads.
GROUPS = ("mfcsim.firms", "mfcsim.policies", "mfcsim.indicators")


def _paths() -> list[str]:
    here = Path.cwd().resolve()
    return [p for p in sys.path if p not in ("", ".") and Path(p).resolve() != here]


def installed_entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group`` of distributions installed on ``sys.path``.

    The current directory (``''`` or the working directory, as ``python -m`` adds it) is
    left out, so a stray ``.dist-info`` folder there cannot add a plug-in.
    """
    found: dict[str, EntryPoint] = {}
    for dist in distributions(path=_paths()):
        for ep in dist.entry_points:
            if ep.group == group and ep.name not in found:
                found[ep.name] = ep
    return list(found.values())


def load_entry_points(group: str, known: Container[str]) -> list[tuple[str, object]]:
    """Load the entry points of ``group`` whose names are not in ``known``.

    Returns:
        ``(name, loaded object)`` per entry point loaded, in the order found.

    Raises:
        RegistryError: If a plug-in cannot be imported (one line: name, target, cause).
    """
    loaded = []
    for ep in installed_entry_points(group):
        if ep.name in known:
            continue
        try:
            loaded.append((ep.name, ep.load()))
        except MfcsimError:
            raise
        except Exception as exc:
            raise RegistryError(
                f"the plug-in {ep.name!r} ({ep.value}) cannot be loaded: "
                f"{exc.__class__.__name__}: {exc}"
            ) from exc
    return loaded


def installed_plugins() -> dict[str, str]:
    """Distributions providing entry points in :data:`GROUPS`: name → version, sorted."""
    out: dict[str, str] = {}
    for dist in distributions(path=_paths()):
        if any(ep.group in GROUPS for ep in dist.entry_points):
            name = dist.metadata["Name"] or "unknown"
            out.setdefault(name, dist.version)
    return dict(sorted(out.items()))
