"""The design of a sweep: factors (``--vary``), variants, replications, seeds and run ids.

A factor is a dotted scenario path and the values it takes. ``--vary path=a,b,c`` lists
values (each read as YAML, as ``--set`` reads its value); ``--vary path=lo:hi:step`` is the
range ``lo, lo + step, ..., hi`` (``hi`` included when the steps reach it). The full
factorial design is every combination of the factors' values, the first factor varying
slowest. Each variant runs ``reps`` replications; replication ``r`` of every variant runs
with seed ``seed + r`` (common random numbers, the rule of :mod:`mfcsim.compare`).

A run's id is a hash of what makes its result: the scenario file's bytes, the ``--set``
overrides, the horizon, the variant (its number and values), the seed and the mfcsim version.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mfcsim import __version__
from mfcsim.errors import ScenarioError, UsageError
from mfcsim.scenario.load import scenario_from_dict
from mfcsim.scenario.overrides import apply_overrides, check_override_path, parse_override
from mfcsim.scenario.reader import LineMap, read_with_extends
from mfcsim.scenario.root import Scenario

#: The most values one ``lo:hi:step`` range may expand to.
MAX_RANGE_VALUES = 10_000


@dataclass(frozen=True)
class Factor:
    """One varied parameter: a dotted scenario path and its values."""

    path: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Run:
    """One run of a sweep: a variant's values, a replication and its seed, and its id."""

    run_id: str
    variant: int
    params: tuple[tuple[str, Any], ...]
    replication: int
    seed: int

    def overrides(self) -> list[str]:
        """The variant's values as ``--set`` strings (values written as YAML flow)."""
        return [f"{path}={_yaml_value(value)}" for path, value in self.params]


@dataclass(frozen=True)
class Base:
    """What every run of a sweep shares: the scenario as read, ``--set`` overrides, horizon.

    The scenario's data (not its path) travels to the workers, so a cluster's workers need
    not see the client's files.
    """

    data: dict[str, Any]
    lines: LineMap
    source: str
    sha256: str
    overrides: tuple[str, ...]
    days: int | None

    def scenario(self, params: Sequence[tuple[str, Any]]) -> Scenario:
        """The validated scenario of one variant.

        Raises:
            ScenarioError: If a value is refused (naming the field; ``--vary`` paths name
                ``--vary``).
        """
        extra = [f"{path}={_yaml_value(value)}" for path, value in params]
        lines = dict(self.lines)
        data = apply_overrides(self.data, [*self.overrides], lines)
        try:
            data = apply_overrides(data, extra, lines)
        except ScenarioError as exc:
            raise as_vary_error(exc) from None
        if self.days is not None:
            data = apply_overrides(data, [f"horizon={self.days}"], lines)
        return scenario_from_dict(data, source=self.source, lines=lines)

    def members(self) -> list[Base]:
        """The scenario files of the sweep: this one."""
        return [self]


#: The factor of a sweep file that chooses among several scenario files.
SCENARIO_FACTOR = "scenario"


@dataclass(frozen=True)
class Scenarios:
    """Several scenario files as one factor (``scenario:`` a list in a sweep file).

    A variant's ``scenario`` value names the file (as written in the sweep file); the other
    values apply to it. Everything else reads as for one :class:`Base`.
    """

    bases: dict[str, Base]

    def members(self) -> list[Base]:
        """The scenario files of the sweep."""
        return list(self.bases.values())

    @property
    def sha256(self) -> str:
        """A hash of every file's name and SHA-256."""
        text = json.dumps({k: b.sha256 for k, b in self.bases.items()}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def source(self) -> str:
        """The files, comma separated."""
        return ", ".join(b.source for b in self.bases.values())

    @property
    def data(self) -> dict[str, Any]:
        """The first file's data (its name names the sweep)."""
        return self.members()[0].data

    @property
    def overrides(self) -> tuple[str, ...]:
        """The ``--set`` overrides, shared."""
        return self.members()[0].overrides

    @property
    def days(self) -> int | None:
        """The horizon, shared."""
        return self.members()[0].days

    def scenario(self, params: Sequence[tuple[str, Any]]) -> Scenario:
        """The validated scenario of one variant: its file, with its other values."""
        name = dict(params)[SCENARIO_FACTOR]
        rest = [(p, v) for p, v in params if p != SCENARIO_FACTOR]
        return self.bases[name].scenario(rest)


def read_base(path: Path, overrides: Sequence[str], days: int | None) -> Base:
    """Read the scenario file (with what it extends) once, for every run of the sweep.

    Raises:
        ScenarioError: If the file cannot be read.
        UsageError: If the file does not exist.
    """
    if not path.is_file():
        raise UsageError(f"{path}: no such scenario file (accepted: a YAML file)")
    data, lines = read_with_extends(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Base(data, lines, str(path), digest, tuple(overrides), days)


def as_vary_error(exc: ScenarioError) -> ScenarioError:
    """The same refusal, naming ``--vary`` where the loader names ``--set``."""
    if exc.source != "--set":
        return exc
    problem = exc.problem.replace("--set", "--vary")
    return ScenarioError("--vary", problem, line=exc.line, field=exc.field)


def parse_vary(text: str) -> Factor:
    """Parse one ``--vary path=a,b,c`` or ``--vary path=lo:hi:step``.

    Raises:
        UsageError: If there is no ``=``, no value, or the range is not a range.
    """
    key, sep, raw = text.partition("=")
    if not sep or not key.strip() or not raw.strip() or any(not p for p in key.split(".")):
        raise UsageError(
            f"--vary {text!r}: not of the form path=a,b,c or path=lo:hi:step "
            "(e.g. agent.policy=none,greedy)"
        )
    path = key.strip()
    parts = raw.split(":")
    if len(parts) == 3 and "," not in raw:
        return Factor(path, _range(path, parts))
    values = []
    for item in raw.split(","):
        _, value = parse_override(f"{path}={item.strip()}")
        values.append(value)
    if len({json.dumps(v, sort_keys=True, default=str) for v in values}) != len(values):
        raise UsageError(f"--vary {path}: a value is listed twice (accepted: distinct values)")
    return Factor(path, _uniform(values))


def _range(path: str, parts: list[str]) -> tuple[Any, ...]:
    """``lo:hi:step`` as its values: integers if all three are, floats otherwise."""
    bad = f"--vary {path}={':'.join(parts)}: not a range"
    try:
        numbers = [yaml.safe_load(p) for p in parts]
    except yaml.YAMLError:
        numbers = []
    if len(numbers) != 3 or not all(
        isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n) for n in numbers
    ):
        raise UsageError(f"{bad} (accepted: lo:hi:step, three numbers, e.g. 100:300:50)")
    lo, hi, step = numbers
    if step <= 0 or hi < lo:
        raise UsageError(f"{bad} (accepted: step > 0 and lo <= hi, e.g. 100:300:50)")
    count = math.floor((hi - lo) / step * (1 + 1e-12)) + 1
    if count > MAX_RANGE_VALUES:
        raise UsageError(f"{bad}: {count} values (accepted: at most {MAX_RANGE_VALUES:,})")
    if all(isinstance(n, int) for n in numbers):
        return tuple(lo + i * step for i in range(count))
    return tuple(round(lo + i * step, 12) for i in range(count))


def _uniform(values: list[Any]) -> tuple[Any, ...]:
    """Numbers all float if any is (one column type per factor); anything else as read."""
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    if numeric and any(isinstance(v, float) for v in values):
        return tuple(float(v) for v in values)
    return tuple(values)


def _yaml_value(value: Any) -> str:
    """A value as ``--set`` reads it back (YAML flow style, one line)."""
    if isinstance(value, str):
        return value
    return yaml.safe_dump(value, default_flow_style=True, width=10**9).strip().removesuffix("\n...")


def check_factors(base: Base | Scenarios, factors: Sequence[Factor]) -> None:
    """Refuse a factor whose path ``--set`` would refuse (in every file), or a path varied twice.

    Raises:
        ScenarioError: At ``--vary``, naming the path and what is accepted.
        UsageError: If two factors share a path.
    """
    several = isinstance(base, Scenarios)
    for member in base.members():
        _check_paths(member, [f for f in factors if not (several and f.path == SCENARIO_FACTOR)])


def _check_paths(base: Base, factors: Sequence[Factor]) -> None:
    seen: set[str] = set()
    data = apply_overrides(base.data, list(base.overrides), copy.copy(base.lines))
    for factor in factors:
        if factor.path in seen:
            raise UsageError(f"--vary {factor.path}: varied twice (accepted: one --vary a path)")
        seen.add(factor.path)
        if factor.path in ("seed", "horizon"):
            raise UsageError(
                f"--vary {factor.path}: not a parameter to vary (accepted: --reps for seeds, "
                "--days for the horizon)"
            )
        try:
            check_override_path(data, factor.path.split("."))
        except ScenarioError as exc:
            raise as_vary_error(exc) from None


#: One variant: the values of the varied paths, in the design's order.
Params = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Design:
    """The variants of a sweep and how they were made (for ``sweep.json``).

    Attributes:
        kind: ``factorial``, or a SALib sample: ``latin``, ``sobol``, ``morris``.
        paths: The varied paths, one column each in the datasets.
        variants: Every variant's values, numbered by position.
        about: What the manifest records of the design (factors, values, samples, ...).
    """

    kind: str
    paths: tuple[str, ...]
    variants: tuple[Params, ...]
    about: dict[str, Any]


def factorial(factors: Sequence[Factor]) -> Design:
    """The full factorial design of ``factors``."""
    about = {
        "kind": "factorial",
        "factors": [{"path": f.path, "values": list(f.values)} for f in factors],
    }
    paths = tuple(f.path for f in factors)
    return Design("factorial", paths, tuple(variants(factors)), about)


def variants(factors: Sequence[Factor]) -> list[tuple[tuple[str, Any], ...]]:
    """Every combination of the factors' values (full factorial), the first slowest."""
    paths = [f.path for f in factors]
    return [
        tuple(zip(paths, combo, strict=True))
        for combo in itertools.product(*(f.values for f in factors))
    ]


def run_id(
    base: Base | Scenarios, variant: int, params: Sequence[tuple[str, Any]], seed: int
) -> str:
    """The id of a run: a hash of the resolved parameters, the seed and the mfcsim version.

    The variant's number is part of it: a sample may draw the same point twice (Morris
    trajectories cross), and each variant has its own runs.
    """
    identity = {
        "variant": variant,
        "scenario_sha256": base.sha256,
        "set": list(base.overrides),
        "days": base.days,
        "params": [[p, v] for p, v in params],
        "seed": seed,
        "mfcsim": __version__,
    }
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def runs(
    base: Base | Scenarios, designs: Sequence[tuple[tuple[str, Any], ...]], reps: int, seed: int
) -> Iterator[Run]:
    """The runs of a design: every variant's ``reps`` replications, variant by variant."""
    for index, params in enumerate(designs):
        for r in range(reps):
            yield Run(run_id(base, index, params, seed + r), index, params, r, seed + r)
