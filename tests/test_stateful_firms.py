"""A stateful firm type written from the hook reference alone (Firm's docstring, README).

Black soldier fly larvae reared on green waste: how well the larvae were fed lately (an
exponential average of the rearing process's utilisation, the firm's state) sets both how
much they plan to rear and the larvae yield of a batch; the frass takes what the larvae do
not. The type implements each hook twice: per firm (simple, the per-firm path) and for all
its firms at once (type-level, which keeps it on the vectorised path); both must give the
same ledger, bit for bit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from mfcsim.engine.simulation import Simulation
from mfcsim.errors import FirmHookError, ScenarioError
from mfcsim.firms.base import Firm
from mfcsim.firms.group import FirmGroup
from mfcsim.firms.process import Process
from mfcsim.scenario.load import scenario_from_dict
from mfcsim.testing import assert_same_on_both_paths, flow_rows

TINY = Path(__file__).resolve().parents[1] / "scenarios" / "tiny.yaml"
MEMORY = 0.8  # weight of yesterday's average in today's


class LarvaeFarm(Firm, type_name="test_larvae_farm"):
    """Larvae whose appetite and yield follow how well they were fed lately."""

    def setup(self) -> None:
        self.fed = 0.5  # average utilisation of the rearing process, 0..1
        self.received_t = 0.0

    def planned_activity(self, day: int, process: Process) -> float:
        appetite = 1.0 if self.received_t > 0.0 else 0.9  # fed by the region yet?
        return super().planned_activity(day, process) * (0.5 + 0.5 * self.fed) * appetite

    def yield_factor(self, day: int, process: Process) -> float:
        return 0.5 + self.fed

    def after_produce(self, day: int, activity: tuple[float, ...]) -> None:
        utilisation = activity[0] / self.processes[0].capacity
        self.fed = MEMORY * self.fed + (1.0 - MEMORY) * utilisation

    def on_delivery(self, t_day: float, material: int, quantity: float) -> None:
        if material == self.material("green_waste"):
            self.received_t += quantity

    @classmethod
    def plan_many(cls, day: int, group: FirmGroup) -> np.ndarray:
        fed = group.state.get("fed", np.full(len(group), 0.5))
        appetite = np.array([1.0 if f.received_t > 0.0 else 0.9 for f in group.firms])
        return group.default_plan(day) * (0.5 + 0.5 * fed)[:, None] * appetite[:, None]

    @classmethod
    def yield_many(cls, day: int, group: FirmGroup) -> np.ndarray:
        fed = group.state.get("fed", np.full(len(group), 0.5))
        return np.repeat((0.5 + fed)[:, None], len(group.process_ids), axis=1)

    @classmethod
    def after_produce_many(cls, day: int, group: FirmGroup, activity: np.ndarray) -> None:
        fed = group.state.get("fed", np.full(len(group), 0.5))
        utilisation = activity[:, 0] / group.capacity[:, 0]
        group.state["fed"] = np.where(
            group.active, MEMORY * fed + (1.0 - MEMORY) * utilisation, fed
        )


def scenario(days: int = 30, **farm: Any) -> dict[str, Any]:
    """Tiny with two larvae farms fed by the greenhouse's green waste through the agent."""
    data = yaml.safe_load(TINY.read_text())
    data["horizon"] = days
    data["agent"] = {"policy": "greedy"}
    data["materials"]["larvae"] = {"unit": "t", "kind": "product", "price": "2000 EUR/t"}
    data["materials"]["frass"] = {"unit": "t", "kind": "residue"}
    for i, x in enumerate((10.0, 12.0)):
        data["firms"][f"larvae_{i}"] = {
            "type": "test_larvae_farm",
            "location": {"x_km": x, "y_km": 5.0},
            "processes": {
                "rear": {
                    "capacity": "0.3 / d",
                    "inputs": {"green_waste": "1 t"},
                    "outputs": {"larvae": "0.2 t", "frass": "0.5 t"},
                    "to_environment": {"respiration": "0.3 t"},
                    "yield_balance": "frass",
                }
            },
            "initial_stock": {"green_waste": f"{1 + i} t"},
            **farm,
        }
    return data


def test_the_stateful_type_runs_vectorised_and_matches_its_per_firm_twin() -> None:
    """Same ledger on both paths, the yield varies with the state, mass balances."""
    sim = Simulation(scenario_from_dict(scenario()))
    farms = [f for f in sim.firms if isinstance(f, LarvaeFarm)]
    assert all(f.vectorised for f in farms)
    assert {f.id for f in sim.kernel.firms} >= {f.id for f in farms}
    results = assert_same_on_both_paths(scenario())
    larvae = flow_rows(results, kind="production", material="larvae")
    frass = flow_rows(results, kind="production", material="frass")
    per_t_frass = larvae["quantity"].to_numpy() / frass["quantity"].to_numpy()
    assert per_t_frass.max() - per_t_frass.min() > 0.01  # the yield changed with the state
    assert len(flow_rows(results, kind="shipment", material="green_waste")) > 0


def test_per_firm_twins_alone_run_on_the_per_firm_path_with_the_same_ledger() -> None:
    """Without plan_many the type leaves the vectorised path; the ledger is the same."""

    class Hungry(LarvaeFarm, type_name="test_larvae_farm_per_firm"):
        plan_many = Firm.__dict__["plan_many"]  # the base's: no type-level twin of the plan

    data = scenario()
    for fid in ("larvae_0", "larvae_1"):
        data["firms"][fid]["type"] = "test_larvae_farm_per_firm"
    sim = Simulation(scenario_from_dict(data))
    assert not any(f.vectorised for f in sim.firms if isinstance(f, Hungry))
    assert {f.id for f in sim.kernel.fallback} == {"larvae_0", "larvae_1"}
    assert_same_on_both_paths(data)


def test_a_type_level_twin_that_differs_is_caught() -> None:
    """assert_same_on_both_paths names the first differing ledger row."""

    class Sloppy(LarvaeFarm, type_name="test_larvae_farm_sloppy"):
        @classmethod
        def yield_many(cls, day: int, group: FirmGroup) -> np.ndarray:
            return super().yield_many(day, group) * 0.999

    data = scenario()
    for fid in ("larvae_0", "larvae_1"):
        data["firms"][fid]["type"] = "test_larvae_farm_sloppy"
    with pytest.raises(AssertionError, match="differ from ledger row"):
        assert_same_on_both_paths(data)


def test_a_yield_that_would_use_up_more_than_the_balance_output_is_refused() -> None:
    """A factor above 1 + frass / larvae mass (here 3.5) is a FirmHookError."""

    class Greedy(LarvaeFarm, type_name="test_larvae_farm_greedy"):
        def yield_factor(self, day: int, process: Process) -> float:
            return 4.0

        @classmethod
        def yield_many(cls, day: int, group: FirmGroup) -> np.ndarray:
            return np.full((len(group), 1), 4.0)

    data = scenario(days=3)
    data["firms"]["larvae_0"]["type"] = "test_larvae_farm_greedy"
    for per_firm_only in (False, True):  # both paths
        sim = Simulation(scenario_from_dict(data), per_firm_only=per_firm_only)
        with pytest.raises(FirmHookError, match=r"yield_factor.*from 0 to 3\.5"):
            sim.run()


def test_a_yield_balance_that_is_no_output_is_refused_at_load() -> None:
    data = scenario(days=3)
    data["firms"]["larvae_0"]["processes"]["rear"]["yield_balance"] = "green_waste"
    with pytest.raises(ScenarioError, match=r"yield_balance.*not an output"):
        scenario_from_dict(data)


@pytest.mark.parametrize("method", ["available", "holdings", "wanted"])
def test_methods_the_vectorised_path_does_on_arrays_cannot_be_overridden(method: str) -> None:
    with pytest.raises(FirmHookError, match="may not be overridden"):
        type("Sealed", (Firm,), {method: lambda self, *a: None})


def test_a_type_level_hook_must_be_a_classmethod() -> None:
    with pytest.raises(FirmHookError, match="must be a classmethod"):
        type("NotClass", (Firm,), {"plan_many": lambda self, day, group: None})


def test_material_ids_and_indices_and_read_only_views() -> None:
    sim = Simulation(scenario_from_dict(scenario(days=2)))
    farm = next(f for f in sim.firms if isinstance(f, LarvaeFarm))
    m = farm.material("larvae")
    assert farm.material_id(m) == "larvae"
    with pytest.raises(ValueError, match="read-only"):
        farm.stock_now[m] = 1.0
    sim.run()
    assert len(farm.plan_today) == 1


def test_a_plan_is_computed_again_after_a_hook_that_may_change_state() -> None:
    """The kernel reuses a day's plan (the agent's requests, then the plan phase) only while
    no hook that may change a firm's state (on_delivery, ...) has run in between."""
    sim = Simulation(scenario_from_dict(scenario(days=3)))
    farm = next(f for f in sim.firms if isinstance(f, LarvaeFarm))
    everyone = np.ones(len(sim.firms), dtype=bool)
    before = sim.kernel.planned_for(1, everyone).copy()
    farm.on_delivery(0.5, farm.material("green_waste"), 1.0)  # as the transport calls it
    sim.state.hook_version += 1
    after = sim.kernel.planned_for(1, everyone)
    rows = sim.kernel.proc_firm == farm.index
    assert np.allclose(after[rows], before[rows] / 0.9)


class Lots(Firm, type_name="test_lot_sender"):
    """Turns 1 t of its green waste into larvae a day and ships them to larvae_1 itself."""

    def produce(self, day: int) -> None:
        self.consume(day, "green_waste", 1.0)
        self.make(day, "larvae", 1.0)  # an illustration, not biology: the mass balance holds
        self.ship(day, "larvae", 1.0, to=self.params["to"], mode=self.params.get("mode"))


def lot_scenario(**params: Any) -> dict[str, Any]:
    data = scenario(days=4)
    data["firms"]["sender"] = {
        "type": "test_lot_sender", "location": {"x_km": 0.0, "y_km": 9.0},
        "params": {"to": "larvae_1", **params},
        "processes": {"rear": {"capacity": "1 / d", "inputs": {"green_waste": "1 t"},
                               "outputs": {"larvae": "1 t"}}},
        "initial_stock": {"green_waste": "10 t"},
    }  # fmt: skip
    return data


def test_a_firm_ships_its_own_lots_through_the_public_api() -> None:
    """Firm.consume, make and ship: shipment rows, the lot arrives, the ledger balances
    (a make without a consume fails the mass balance: the invariant holds for own hooks)."""
    results = Simulation(scenario_from_dict(lot_scenario())).run()
    sent = flow_rows(results, kind="shipment", material="larvae", source="sender")
    assert len(sent) == 4
    assert sent["quantity"].sum() == pytest.approx(4.0)
    arrived = flow_rows(results, kind="shipment", material="larvae", target="larvae_1")
    assert arrived["quantity"].sum() == pytest.approx(4.0)  # 9 km: each lot arrives that day


@pytest.mark.parametrize(("params", "match"), [
    ({"to": "nowhere"}, r"ship\(\).*'nowhere'.*accepted: a firm id"),
    ({"mode": "rail"}, r"ship\(\).*'rail'.*accepted: a firm id, and truck or None"),
])  # fmt: skip
def test_a_lot_to_no_firm_or_by_no_mode_is_refused(params: dict[str, str], match: str) -> None:
    with pytest.raises(FirmHookError, match=match):
        Simulation(scenario_from_dict(lot_scenario(**params))).run()
