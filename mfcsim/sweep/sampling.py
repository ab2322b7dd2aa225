"""Sweep files: a sweep declared in YAML, with a factorial design or a SALib sample.

A sweep file names its scenario (relative to the file) and either ``vary`` (the factorial
design of ``--vary``) or ``sample`` (a Latin hypercube, Sobol or Morris sample over ranges,
drawn with SALib)::

    scenario: ../scenarios/tiny.yaml   # or a list of files: one factor (with vary only)
    days: 10                # optional: replaces the horizon
    reps: 2                 # optional: replications per variant (default 1)
    seed: 7                 # optional: base seed (default the scenario's)
    set: [firms.dairy.variability.activity_cv=0.2]   # optional: in every run
    sample:
      method: sobol         # latin | sobol | morris
      n: 16                 # latin: points; sobol: base samples (power of 2); morris: trajectories
      seed: 1               # the sample's own seed (default 0)
      levels: 4             # morris only: grid levels (default 4)
      factors:
        firms.digester.params.capacity_t_per_day: [4, 12]    # [low, high]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mfcsim.errors import UsageError
from mfcsim.sweep.design import (
    SCENARIO_FACTOR,
    Design,
    Factor,
    Scenarios,
    factorial,
    parse_vary,
    read_base,
)

#: The sampling methods and the rows they draw for ``n`` and ``d`` factors.
METHODS = {
    "latin": lambda n, d: n,
    "sobol": lambda n, d: n * (d + 2),
    "morris": lambda n, d: n * (d + 1),
}
KEYS = {"scenario", "days", "reps", "seed", "set", "vary", "sample"}
SAMPLE_KEYS = {"method", "n", "seed", "levels", "factors"}


@dataclass(frozen=True)
class SweepFile:
    """What a sweep file declares."""

    scenario: Path
    scenarios: tuple[str, ...]
    days: int | None
    reps: int | None
    seed: int | None
    overrides: tuple[str, ...]
    factors: tuple[Factor, ...]
    sample: dict[str, Any] | None


def is_sweep_file(path: Path) -> bool:
    """Whether a YAML file is a sweep file (a top-level ``scenario:``), not a scenario."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and "scenario" in data and "firms" not in data


def read_sweep_file(path: Path) -> SweepFile:
    """Read and check a sweep file.

    Raises:
        UsageError: ``FILE: field: problem (accepted ...)`` for the first problem.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    def bad(field: str, problem: str) -> UsageError:
        return UsageError(f"{path}: {field}: {problem}")

    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise bad(unknown[0], f"unknown key (accepted: {', '.join(sorted(KEYS))})")
    named = data.get("scenario")
    names = [named] if isinstance(named, str) else named
    if (
        not isinstance(names, list)
        or not names
        or not all(isinstance(n, str) for n in names)
        or len(set(names)) != len(names)
    ):
        raise bad(
            "scenario",
            "must be a scenario file, or a list of different ones, relative to the sweep file",
        )
    if len(names) > 1 and "sample" in data:
        raise bad("scenario", "several scenario files go with vary (a factorial), not sample")
    for name in names:
        if not (path.parent / name).is_file():
            raise bad("scenario", f"{name}: no such file (relative to the sweep file)")
    for key in ("days", "reps", "seed"):
        value = data.get(key)
        low = 0 if key == "seed" else 1
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise bad(key, f"must be a whole number (got {value!r})")
        if value is not None and value < low:
            raise bad(key, f"must be {low} or more (got {value})")
    overrides = data.get("set") or []
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        raise bad("set", "must be a list of path=value strings")
    if "vary" in data and "sample" in data:
        raise bad("sample", "a sweep file has vary (factorial) or sample, not both")
    factors = _vary(data.get("vary") or {}, bad)
    sample = _sample(data["sample"], bad) if "sample" in data else None
    return SweepFile(
        path.parent / names[0],
        tuple(names) if len(names) > 1 else (),
        data.get("days"),
        data.get("reps"),
        data.get("seed"),
        tuple(overrides),
        factors,
        sample,
    )


def _vary(vary: Any, bad: Any) -> tuple[Factor, ...]:
    if not isinstance(vary, dict):
        raise bad("vary", "must map paths to lists of values or lo:hi:step")
    factors = []
    for path, values in vary.items():
        if isinstance(values, list) and values:
            text = ",".join(str(v) if not isinstance(v, str) else v for v in values)
        elif isinstance(values, str):
            text = values
        else:
            raise bad(f"vary.{path}", "must be a list of values or 'lo:hi:step'")
        factors.append(parse_vary(f"{path}={text}"))
    return tuple(factors)


def _sample(sample: Any, bad: Any) -> dict[str, Any]:
    if not isinstance(sample, dict):
        raise bad("sample", "must be a mapping with method, n and factors")
    unknown = sorted(set(sample) - SAMPLE_KEYS)
    if unknown:
        raise bad(
            f"sample.{unknown[0]}", f"unknown key (accepted: {', '.join(sorted(SAMPLE_KEYS))})"
        )
    method = sample.get("method")
    if method not in METHODS:
        raise bad("sample.method", f"{method!r} (accepted: {', '.join(METHODS)})")
    n = sample.get("n")
    if not isinstance(n, int) or isinstance(n, bool) or n < 2:
        raise bad("sample.n", f"must be a whole number, 2 or more (got {n!r})")
    if method == "sobol" and n & (n - 1):
        raise bad("sample.n", f"{n}: Sobol needs a power of 2 (accepted: 4, 8, 16, ...)")
    factors = sample.get("factors")
    if not isinstance(factors, dict) or not factors:
        raise bad("sample.factors", "must map each path to [low, high]")
    for path, bounds in factors.items():
        ok = (
            isinstance(bounds, list)
            and len(bounds) == 2
            and all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
            and all(math.isfinite(b) for b in bounds)
            and bounds[0] < bounds[1]
        )
        if not ok:
            raise bad(
                f"sample.factors.{path}", f"must be [low, high] with low < high (got {bounds!r})"
            )
    return {
        "method": method,
        "n": n,
        "seed": int(sample.get("seed", 0)),
        "levels": int(sample.get("levels", 4)),
        "factors": {str(p): [float(b) for b in v] for p, v in factors.items()},
    }


def problem(sample: dict[str, Any]) -> dict[str, Any]:
    """The SALib problem of a sample: names and bounds."""
    names = list(sample["factors"])
    return {"num_vars": len(names), "names": names, "bounds": [sample["factors"][n] for n in names]}


def sampled(sample: dict[str, Any]) -> Design:
    """The variants of a SALib sample, one per row (Sobol without second-order terms)."""
    from SALib.sample import latin, morris
    from SALib.sample import sobol as saltelli

    spec = problem(sample)
    method, n, seed = sample["method"], sample["n"], sample["seed"]
    if method == "latin":
        rows = latin.sample(spec, n, seed=seed)
    elif method == "sobol":
        rows = saltelli.sample(spec, n, calc_second_order=False, seed=seed)
    else:
        rows = morris.sample(spec, n, num_levels=sample["levels"], seed=seed)
    names = tuple(spec["names"])
    values = [tuple(zip(names, (float(x) for x in row), strict=True)) for row in rows]
    about = {"kind": method, **sample, "samples": [list(map(float, row)) for row in rows]}
    return Design(method, names, tuple(values), about)


def design_of(sweep: SweepFile) -> Design:
    """The design a sweep file declares (several scenario files: the first factor)."""
    if sweep.sample is not None:
        return sampled(sweep.sample)
    files = [Factor(SCENARIO_FACTOR, sweep.scenarios)] if sweep.scenarios else []
    return factorial([*files, *sweep.factors])


def bases_of(sweep: SweepFile, path: Path, overrides: list[str], days: int | None) -> Any:
    """The :class:`Base` of the sweep file's scenario, or :class:`Scenarios` of several."""
    if not sweep.scenarios:
        return read_base(sweep.scenario, overrides, days)
    folder = path.parent
    return Scenarios({n: read_base(folder / n, overrides, days) for n in sweep.scenarios})
