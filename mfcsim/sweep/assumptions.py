"""A sweep over a scenario's assumptions: the numbers its files mark as assumed, ± a share.

The loader reads which numbers of a scenario are assumptions (:mod:`mfcsim.scenario.provenance`).
:func:`assumptions_sweep` turns them into a sweep file (:mod:`mfcsim.sweep.sampling`) whose
factors are exactly those numbers, each over ``[value × (1 − spread), value × (1 + spread)]``
in base units, sampled by Morris (screening: which assumptions move the indicators) or Sobol,
so ``mfcsim sweep run FILE`` then ``mfcsim sweep sensitivity FOLDER`` ranks them.

Left out, because changing one alone would make the scenario invalid rather than vary it:
recipe coefficients (``inputs``, ``outputs``, ``from_environment``, ``to_environment``: the
recipe must close its mass balance), transfer coefficients (their shares sum to 1),
compositions (fractions of one material), firm types' ``params`` (a type may tie them, e.g.
yields that sum to at most 1), whole numbers (counts, days) and zeros; and
entries of lists (``replaces``, ``pipelines``), which ``--set`` does not address.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import yaml

from mfcsim.errors import UsageError
from mfcsim.scenario.root import Scenario

#: Path parts under which a number is tied to others (see the module).
TIED = frozenset({
    "inputs", "outputs", "from_environment", "to_environment", "transfer", "composition",
    "params",
})  # fmt: skip
METHODS = ("morris", "sobol")


def value_at(scenario: Scenario | dict[str, Any], path: str) -> Any:
    """The value of the resolved scenario (or its dump) at a dotted field path (None: none)."""
    node: Any = scenario if isinstance(scenario, dict) else scenario.model_dump(mode="python")
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def varied_assumptions(scenario: Scenario, spread: float) -> dict[str, list[float]]:
    """Each assumption that can vary alone, with its range in base units."""
    factors: dict[str, list[float]] = {}
    dumped = scenario.model_dump(mode="python")  # once, not per path (0.2 s on default)
    for path, prov in scenario.provenance.items():
        parts = path.split(".")
        if prov.status != "assumption" or TIED & set(parts) or any(p.isdigit() for p in parts):
            continue
        value = value_at(dumped, path)
        is_float = isinstance(value, float) and not isinstance(value, bool)
        if not is_float or not math.isfinite(value) or value == 0.0:
            continue
        low, high = sorted((value * (1.0 - spread), value * (1.0 + spread)))
        factors[path] = [low, high]
    return factors


def assumptions_sweep(
    scenario_path: Path,
    scenario: Scenario,
    out: Path,
    *,
    spread: float = 0.2,
    method: str = "morris",
    n: int = 10,
    days: int | None = None,
) -> dict[str, Any]:
    """The sweep file's content: the scenario's assumptions as factors of a SALib sample.

    Args:
        scenario_path: The scenario file (named in the sweep file relative to ``out``).
        scenario: The loaded scenario (its provenance).
        out: Where the sweep file will be written.
        spread: Each assumption varies by ± this share of its value.
        method: ``morris`` (screening) or ``sobol``.
        n: Morris trajectories, or Sobol base samples (a power of 2).
        days: Replaces the horizon in every run, if given.

    Raises:
        UsageError: If the spread, method or n is not accepted, or no assumption can vary.
    """
    if not 0.0 < spread < 1.0:
        raise UsageError(f"--spread {spread!r} (accepted: a share between 0 and 1, e.g. 0.2)")
    if method not in METHODS:
        raise UsageError(f"--method {method!r} (accepted: {', '.join(METHODS)})")
    if n < 2:
        raise UsageError(f"--n {n} (accepted: 2 or more)")
    factors = varied_assumptions(scenario, spread)
    if not factors:
        raise UsageError(
            f"{scenario_path}: no number marked as an assumption can vary alone (accepted: a "
            "scenario whose comments mark prices, capacities or parameters as assumptions)"
        )
    relative = os.path.relpath(scenario_path.resolve(), out.resolve().parent)
    content: dict[str, Any] = {"scenario": Path(relative).as_posix()}
    if days is not None:
        content["days"] = days
    content["sample"] = {"method": method, "n": n, "seed": 0, "factors": factors}
    return content


def sweep_yaml(content: dict[str, Any], scenario: Scenario, spread: float) -> str:
    """The sweep file's text: a header that says what it varies, then the content."""
    count = len(content["sample"]["factors"])
    header = (
        f"# The assumptions of scenario {scenario.name!r}: {count} factors, each varied by\n"
        f"# +-{spread:.0%} of its value (base units): the numbers its files mark as assumptions\n"
        "# that can change alone (not recipe, transfer or composition coefficients).\n"
        "# Written by: mfcsim generate assumptions-sweep. Run and rank them with\n"
        "#   mfcsim sweep run THIS_FILE && mfcsim sweep sensitivity SWEEP_FOLDER\n"
    )
    return header + yaml.safe_dump(content, sort_keys=False, allow_unicode=True, width=100)
