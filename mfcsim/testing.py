"""Helpers for researchers' own tests (and ours): run a scenario and assert its invariants."""

from __future__ import annotations

import copy
import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any, Self

import pandas as pd

from mfcsim.engine.simulation import Simulation
from mfcsim.results import Results
from mfcsim.scenario.load import load_scenario, scenario_from_dict
from mfcsim.scenario.root import Scenario

__all__ = [
    "CLOCKED_FILES",
    "CLOCKED_KPIS",
    "ScenarioBuilder",
    "as_scenario",
    "assert_deterministic",
    "assert_mass_balanced",
    "assert_same_on_both_paths",
    "flow_rows",
    "ledger_digest",
    "run_scenario",
    "tiny_scenario",
]

#: Files of a run folder that record when and how long, not what (left out of comparisons).
CLOCKED_FILES = frozenset({"manifest.json", "report.html"})
#: Figures of ``kpis.json`` measured by the wall clock.
CLOCKED_KPIS = frozenset({"clearing_seconds_total"})


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


class ScenarioBuilder:
    """Build a small scenario mapping in a test, one material or firm at a time.

    Each method returns the builder; :meth:`build` returns a fresh mapping, as read from
    YAML, for :func:`run_scenario` or :func:`~mfcsim.scenario.load.scenario_from_dict`::

        data = (
            ScenarioBuilder("mill", days=5)
            .material("grain", kind="raw_material", price="200 EUR/t")
            .material("flour", price="400 EUR/t")
            .firm("mill", processes={"grind": {"capacity": "10 / d",
                                               "inputs": {"grain": "1 t"},
                                               "outputs": {"flour": "1 t"}}})
            .imports("grain")
            .build()
        )

    Units as in scenario files (t, MWh, km, day; quantities may be strings like ``'12 t'``).
    """

    def __init__(self, name: str = "tiny", *, days: int = 5, seed: int = 1) -> None:
        self._data: dict[str, Any] = {
            "name": name,
            "horizon": f"{days} d",
            "seed": seed,
            "materials": {},
            "firms": {},
        }

    def material(self, mid: str, *, unit: str = "t", kind: str = "product", **fields: Any) -> Self:
        """Declare material ``mid`` (``unit``, ``kind`` and any other material field)."""
        self._data["materials"][mid] = {"unit": unit, "kind": kind, **fields}
        return self

    def firm(
        self,
        fid: str,
        type: str = "generic",
        *,
        x_km: float = 0.0,
        y_km: float = 0.0,
        **fields: Any,
    ) -> Self:
        """Add firm ``fid`` of ``type`` at (``x_km``, ``y_km``) with other firm fields."""
        location = {"x_km": x_km, "y_km": y_km}
        self._data["firms"][fid] = {"type": type, "location": location, **fields}
        return self

    def contract(
        self, cid: str, supplier: str, receiver: str, material: str, **fields: Any
    ) -> Self:
        """Add a contract (``quantity`` defaults to ``all``)."""
        spec = {"supplier": supplier, "receiver": receiver, "material": material}
        self._data.setdefault("contracts", {})[cid] = {"quantity": "all", **spec, **fields}
        return self

    def imports(self, *materials: str) -> Self:
        """Open the import market for ``materials`` (at their prices)."""
        boundary = self._data.setdefault("boundary", {}).setdefault("imports", {})
        boundary.update({m: {} for m in materials})
        return self

    def set(self, **fields: Any) -> Self:
        """Set top-level fields (``agent={'policy': 'greedy'}``, ``network=...``)."""
        self._data.update(copy.deepcopy(fields))
        return self

    def build(self) -> dict[str, Any]:
        """The scenario as a mapping (a copy: the builder can go on)."""
        return copy.deepcopy(self._data)


def tiny_scenario(**overrides: Any) -> dict[str, Any]:
    """A two-firm scenario that runs and balances: a mill grinds imported grain for a bakery.

    ``overrides`` replace top-level fields (``seed=3``, ``agent={'policy': 'greedy'}``,
    ``horizon='10 d'``); add to it with :class:`ScenarioBuilder` for more.
    """
    builder = (
        ScenarioBuilder("tiny", days=5, seed=1)
        .material("grain", kind="raw_material", price="200 EUR/t")
        .material("flour", price="400 EUR/t")
        .material("bran", kind="residue")
        .firm(
            "mill",
            processes={
                "grind": {
                    "capacity": "10 / d",
                    "inputs": {"grain": "1 t"},
                    "outputs": {"flour": "0.8 t", "bran": "200 kg"},
                }
            },
        )
        .firm("bakery", x_km=3.0, y_km=4.0)
        .contract("flour", "mill", "bakery", "flour", quantity=4)
        .imports("grain")
    )
    return builder.set(**overrides).build()


def assert_deterministic(scenario: Scenario | dict[str, Any] | str | Path) -> Results:
    """Run a scenario twice with its seed: identical ledgers and identical run folders.

    Every file of the two run folders must be byte-identical, except those that carry the
    wall clock (:data:`CLOCKED_FILES`; in ``kpis.json`` the :data:`CLOCKED_KPIS`).

    Returns:
        The results of the first run.

    Raises:
        AssertionError: Naming the first file (or the ledger) that differs.
    """
    scenario = as_scenario(scenario)
    first = Simulation(scenario).run(strict=True)
    second = Simulation(scenario).run(strict=True)
    if ledger_digest(first) != ledger_digest(second):
        raise AssertionError(f"scenario {scenario.name!r}: two runs give different ledgers")
    with tempfile.TemporaryDirectory() as tmp:
        a = _folder_digests(first.write(Path(tmp) / "a"))
        b = _folder_digests(second.write(Path(tmp) / "b"))
    for name in sorted(a.keys() | b.keys()):
        if a.get(name) != b.get(name):
            raise AssertionError(f"scenario {scenario.name!r}: {name} differs between two runs")
    return first


def _folder_digests(folder: Path) -> dict[str, str]:
    """SHA-256 per file of a run folder, clocked files and figures left out."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name in CLOCKED_FILES:
            continue
        data = path.read_bytes()
        if path.name == "kpis.json":
            kpis = {k: v for k, v in json.loads(data).items() if k not in CLOCKED_KPIS}
            data = json.dumps(kpis, sort_keys=True).encode()
        out[str(path.relative_to(folder))] = hashlib.sha256(data).hexdigest()
    return out
