"""Helpers for researchers' own tests (and ours): run a scenario and assert its invariants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from mfcsim.engine.simulation import Simulation
from mfcsim.results import Results
from mfcsim.scenario.load import load_scenario, scenario_from_dict
from mfcsim.scenario.root import Scenario


def run_scenario(
    scenario: Scenario | dict[str, Any] | str | Path,
    *,
    seed: int | None = None,
    days: int | None = None,
    overrides: tuple[str, ...] = (),
) -> Results:
    """Load (if needed) and run a scenario with the mass-balance check on.

    Args:
        scenario: A Scenario, a mapping as read from YAML, or a path to a YAML file.
        seed: Replaces the scenario's seed.
        days: Replaces the horizon (only for paths and mappings).
        overrides: ``dotted.path=value`` strings (only for paths).
    """
    scenario = as_scenario(scenario, seed=seed, days=days, overrides=overrides)
    return Simulation(scenario, seed=seed).run(strict=True)


def as_scenario(
    scenario: Scenario | dict[str, Any] | str | Path,
    *,
    seed: int | None = None,
    days: int | None = None,
    overrides: tuple[str, ...] = (),
) -> Scenario:
    """A Scenario from a Scenario, a mapping as read from YAML, or a path to a YAML file.

    ``days`` replaces the horizon (paths and mappings); ``seed`` and ``overrides`` apply to
    paths.
    """
    if isinstance(scenario, str | Path):
        return load_scenario(scenario, overrides, seed=seed, days=days)
    if isinstance(scenario, dict):
        data = dict(scenario)
        if days is not None:
            data["horizon"] = days
        return scenario_from_dict(data)
    return scenario


def assert_mass_balanced(results: Results, *, rtol: float = 1e-9) -> None:
    """Raise :class:`~mfcsim.errors.MassBalanceError` unless every balance holds."""
    results.check_balance(rtol=rtol)


def assert_same_on_both_paths(
    scenario: Scenario | dict[str, Any] | str | Path, *, days: int | None = None
) -> Results:
    """Run a scenario as usual and with every firm on the per-firm path: same ledger.

    A firm type with type-level hooks (``plan_many``, ``yield_many``,
    ``after_produce_many``) must give, on the vectorised path, exactly what its per-firm
    hooks give one firm at a time; this holds them together, bit for bit (every ledger
    row, every stock, in order). Both runs are checked for their mass balance.

    Returns:
        The results of the usual run.

    Raises:
        AssertionError: Naming the first ledger row that differs.
    """
    scenario = as_scenario(scenario, days=days)
    usual = Simulation(scenario).run(strict=True)
    per_firm = Simulation(scenario, per_firm_only=True).run(strict=True)
    if ledger_digest(usual) != ledger_digest(per_firm):
        a, b = usual.flows, per_firm.flows
        rows = min(len(a), len(b))
        differ = next((i for i in range(rows) if not a.iloc[i].equals(b.iloc[i])), rows)
        raise AssertionError(
            f"the vectorised and the per-firm path differ from ledger row {differ} "
            f"({len(a)} and {len(b)} rows): "
            f"{a.iloc[differ].to_dict() if differ < len(a) else 'none'} vs "
            f"{b.iloc[differ].to_dict() if differ < len(b) else 'none'}"
        )
    return usual


def ledger_digest(results: Results) -> str:
    """A SHA-256 of the ledger and stocks, exact to the last bit of every float.

    Two runs have the same digest only if every row, in order, is identical: the check that
    an optimisation changed nothing (``tests/golden/``).
    """
    import hashlib

    import pandas as pd

    digest = hashlib.sha256()
    for frame in (results.flows, results.stocks):
        for name in frame.columns:
            col = frame[name]
            digest.update(name.encode())
            if isinstance(col.dtype, pd.CategoricalDtype):
                digest.update("\x1f".join(map(str, col.cat.categories)).encode())
                digest.update(col.cat.codes.to_numpy().astype("int64").tobytes())
            else:
                digest.update(col.to_numpy().astype("float64").tobytes())
    return digest.hexdigest()


def flow_rows(results: Results, **where: str) -> pd.DataFrame:
    """The ledger rows whose columns equal the given values, e.g. ``kind="disposal"``."""
    import numpy as np

    flows = results.flows
    mask = np.ones(len(flows), dtype=bool)
    for column, value in where.items():
        mask &= (flows[column].astype(str) == value).to_numpy()
    return flows[mask]
