"""The clearing-policy registry: names in scenario files (``agent: {policy: ...}``) → policies.

A policy is a pure function of a day's :class:`~mfcsim.agent.clearing.ProblemArrays` that
returns an :data:`~mfcsim.agent.lp.Allocation` (arc indices and units shipped). The built-in
ones (``none``, ``greedy``, ``optimal``) are :data:`~mfcsim.agent.clearing.ALLOCATORS`;
register another with :func:`policy` or, from another package, the ``mfcsim.policies``
entry-point group (the name is the entry point's, the value the function)::

    [project.entry-points."mfcsim.policies"]
    cheapest_first = "my_package.policies:allocate_cheapest_first"

The registry hands :func:`known_policies` to the scenario package when imported, so that
``agent.policy`` accepts every registered name at validation time.
"""

from __future__ import annotations

from collections.abc import Callable

from mfcsim.agent.clearing import ALLOCATORS, Allocation, ProblemArrays
from mfcsim.errors import RegistryError
from mfcsim.plugins import Registry
from mfcsim.scenario.agent import use_policies

Allocator = Callable[[ProblemArrays], Allocation]
#: The policies by name (their table is :data:`~mfcsim.agent.clearing.ALLOCATORS`).
POLICIES: Registry[Allocator] = Registry("policy", "mfcsim.policies", ALLOCATORS, adopt=True)


def register_policy(name: str, allocate: Allocator) -> None:
    """Register ``allocate`` as clearing policy ``name``.

    Raises:
        RegistryError: If ``name`` is taken by another function, or ``allocate`` is not
            callable.
    """
    if not callable(allocate):
        raise RegistryError(f"policy {name!r}: {allocate!r} is not a function of the problem")
    POLICIES.register(name, allocate)


def policy(name: str) -> Callable[[Allocator], Allocator]:
    """Decorator: register the function as clearing policy ``name`` (it is returned).

    Raises:
        RegistryError: If the name is taken.
    """

    def register(allocate: Allocator) -> Allocator:
        register_policy(name, allocate)
        return allocate

    return register


def resolve_policy(name: str) -> Allocator:
    """The policy registered as ``name``.

    Raises:
        RegistryError: If no policy has that name; the message lists the known names.
    """
    return POLICIES.resolve(name)


def known_policies() -> list[str]:
    """The registered policy names, sorted (plug-ins included)."""
    return POLICIES.names()


def summary(name: str) -> str:
    """The first line of the policy's docstring (empty if it has none)."""
    doc = (resolve_policy(name).__doc__ or "").strip()
    return doc.splitlines()[0] if doc else ""


use_policies(known_policies)  # scenario validation accepts the registered names
