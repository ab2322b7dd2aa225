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
from typing import Any, Generic, TypeVar

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


T = TypeVar("T")


def taken_error(kind: str, name: str, taken: Any) -> RegistryError:
    """The error of a name registered twice: it names what holds the name already."""
    return RegistryError(
        f"{kind} {name!r} is already taken by {taken.__module__}.{taken.__qualname__}"
    )


class Registry(Generic[T]):
    """Names of one kind (firm types, policies, indicators) → what they name.

    Args:
        kind: What a name names, for messages ("firm type", "policy", ...).
        group: The entry-point group of the plug-ins, loaded once, on first need.
        entries: The dict that holds the names (kept as the module's public table).
        adopt: Register what a plug-in's entry point loads under the entry point's name
            (policies); False where importing a plug-in registers it itself.
    """

    def __init__(self, kind: str, group: str, entries: dict[str, T], *, adopt: bool = False):
        self.kind, self.group, self.entries, self.adopt = kind, group, entries, adopt
        self.plugins_loaded = False

    def register(self, name: str, value: T) -> None:
        """Register ``value`` as ``name`` (the same value again is a no-op).

        Raises:
            RegistryError: If ``name`` is taken by another value.
        """
        taken = self.entries.get(name)
        if taken is not None and taken is not value:
            raise taken_error(self.kind, name, taken)
        self.entries[name] = value

    def load_plugins(self) -> None:
        """Import the group's plug-ins once (a new name: see ``adopt``).

        Raises:
            RegistryError: If a plug-in cannot be imported or takes a name already taken.
        """
        if self.plugins_loaded:
            return
        self.plugins_loaded = True
        for name, loaded in load_entry_points(self.group, self.entries):
            if self.adopt and name not in self.entries:
                self.register(name, loaded)  # type: ignore[arg-type]

    def resolve(self, name: str) -> T:
        """What is registered as ``name`` (plug-ins looked for if it is not yet known).

        Raises:
            RegistryError: If no value has that name; the message lists the known names.
        """
        if name not in self.entries:
            self.load_plugins()
        try:
            return self.entries[name]
        except KeyError:
            known = ", ".join(sorted(self.entries))
            raise RegistryError(f"unknown {self.kind} {name!r} (accepted: {known})") from None

    def names(self) -> list[str]:
        """The registered names, sorted (plug-ins included)."""
        self.load_plugins()
        return sorted(self.entries)
