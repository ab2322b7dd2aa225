"""A firm type that writes its own production and its own wants, per firm and per type.

``target_stock`` and ``produce`` leave the vectorised path unless the type also implements
their type-level twins, ``target_many`` and ``produce_many``, on arrays of all its firms
(``group.consume``, ``group.make``, ``group.ship``). Both versions must give the same
ledger, bit for bit; bad answers of the twins are refused with the type, the hook and what
is accepted.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from mfcsim.engine.simulation import Simulation
from mfcsim.errors import FirmHookError
from mfcsim.firms.base import Firm
from mfcsim.firms.group import FirmGroup
from mfcsim.scenario.load import scenario_from_dict
from mfcsim.testing import assert_same_on_both_paths, flow_rows

DAILY_T = 3.0  # feed bought every day (t)
CAPACITY_T = 5.0  # feed a firm can process a day (t)


class PassOn(Firm, type_name="test_pass_on"):
    """Processes what it holds (capacity-bound); a quarter (whole tonnes) is passed on."""

    def target_stock(self, day: int) -> dict[int, float]:
        return {self.material("feed"): float(self.stock[self.material("feed")]) + DAILY_T}

    def produce(self, day: int) -> None:
        feed, residue = self.material("feed"), self.material("residue")
        held_res, held_feed = float(self.stock[residue]), float(self.stock[feed])
        use = min(held_res + held_feed, CAPACITY_T)
        from_res = min(held_res, use)
        self.consume(day, residue, from_res)
        self.consume(day, feed, use - from_res)
        passed = use // 4.0
        self.make(day, "product", use - passed)
        self.make(day, residue, passed)
        self.ship(day, residue, passed, to=self.params["to"], mode="truck")
        self.record_activity(day, "work", use)

    @classmethod
    def target_many(
        cls, day: int, group: FirmGroup, planned: np.ndarray
    ) -> dict[str | int, np.ndarray]:
        return {"feed": group.stock("feed") + DAILY_T}

    @classmethod
    def produce_many(cls, day: int, group: FirmGroup) -> np.ndarray:
        held_res, held_feed = group.stock("residue"), group.stock("feed")
        use = np.where(group.active, np.minimum(held_res + held_feed, CAPACITY_T), 0.0)
        from_res = np.minimum(held_res, use)
        group.consume(day, "residue", from_res)
        group.consume(day, "feed", use - from_res)
        passed = use // 4.0
        group.make(day, "product", use - passed)
        group.make(day, "residue", passed)
        group.ship(day, "residue", passed, to=group.param("to"), mode="truck")
        return use[:, None]


def scenario(firm_type: str = "test_pass_on", days: int = 12) -> dict[str, Any]:
    """Three firms on a line passing residue on in a ring; the third joins on day 3."""
    firms = {}
    for i in range(3):
        firms[f"p{i}"] = {
            "type": firm_type,
            "location": {"x_km": 30.0 * i, "y_km": 0.0},
            "params": {"to": f"p{(i + 1) % 3}"},
            "processes": {"work": {"capacity": f"{CAPACITY_T} / d", "inputs": {"feed": "1 t"},
                                   "outputs": {"product": "0.75 t", "residue": "0.25 t"}}},
            "storage": {"residue": math.inf},
            "initial_stock": {"feed": f"{i + 0.5} t"},
            **({"join_day": 3} if i == 2 else {}),
        }  # fmt: skip
    return {
        "name": "pass-on",
        "horizon": days,
        "materials": {
            "feed": {"unit": "t", "kind": "raw_material", "price": "100 EUR/t"},
            "product": {"unit": "t", "kind": "product"},
            "residue": {"unit": "t", "kind": "residue"},
        },
        "firms": firms,
        "network": {"detour_factor": 1.0, "modes": {"truck": {"speed": "20 km/d"}}},
        "boundary": {"imports": {"feed": {}}},
        "agent": {"policy": "greedy"},
    }


def test_the_type_level_twins_keep_it_vectorised_and_match_the_per_firm_path() -> None:
    results = assert_same_on_both_paths(scenario_from_dict(scenario()))
    sim = Simulation(scenario_from_dict(scenario()))
    assert all(f.vectorised for f in sim.firms)
    assert sim.kernel.any_own_produce
    # target_many: every active firm buys exactly its daily feed
    bought = flow_rows(results, kind="import", material="feed")
    per_firm = bought.groupby(bought["target"].astype(str))["quantity"].agg(["count", "sum"])
    assert per_firm.loc["p0", "sum"] == pytest.approx(12 * DAILY_T)
    assert per_firm.loc["p2", "count"] == 12 - 3  # not before it joins
    # produce_many: its activity is the use fill's realised activity, whole tonnes passed on
    activity = results.extra["activity"]
    assert activity["realised"].max() == pytest.approx(CAPACITY_T)
    sent = flow_rows(results, kind="shipment", material="residue", target="in_transit")
    assert (sent["quantity"] % 1.0 == 0.0).all()
    assert (sent["quantity"] > 0).all()
    assert set(sent["source"].astype(str)) == {"p0", "p1", "p2"}


def test_the_shipments_and_activity_are_the_same_on_both_paths() -> None:
    spec = scenario_from_dict(scenario())
    usual = Simulation(spec).run()
    per_firm = Simulation(spec, per_firm_only=True).run()
    for name in ("shipments", "activity", "service"):
        assert usual.extra[name].equals(per_firm.extra[name]), name


class Greedier(PassOn, type_name="test_pass_on_greedier"):
    """Its type-level twin wants a tonne more than its per-firm hook: caught."""

    @classmethod
    def target_many(
        cls, day: int, group: FirmGroup, planned: np.ndarray
    ) -> dict[str | int, np.ndarray]:
        return {"feed": group.stock("feed") + DAILY_T + 1.0}


def test_twins_that_differ_are_caught() -> None:
    with pytest.raises(AssertionError, match="differ from ledger row"):
        assert_same_on_both_paths(scenario_from_dict(scenario("test_pass_on_greedier")))


class Defaults(Firm, type_name="test_default_twins"):
    """Declares both twins as the base's defaults: the same as a generic firm."""

    @classmethod
    def target_many(
        cls, day: int, group: FirmGroup, planned: np.ndarray
    ) -> dict[str | int, np.ndarray]:
        return super().target_many(day, group, planned)

    @classmethod
    def produce_many(cls, day: int, group: FirmGroup) -> np.ndarray:
        return super().produce_many(day, group)


def test_the_default_twins_do_what_a_generic_firm_does() -> None:
    from mfcsim.testing import ledger_digest

    ours = Simulation(scenario_from_dict(scenario("test_default_twins"))).run()
    generic = Simulation(scenario_from_dict(scenario("generic"))).run()
    assert ours.kpis["ledger_rows"] > 0
    assert ledger_digest(ours) == ledger_digest(generic)
    assert ours.extra["activity"].equals(generic.extra["activity"])


_SERIAL = itertools.count()


def _broken(hook: str, body: Any) -> str:
    """Register a PassOn whose ``hook`` is ``body``; return its type name."""
    name = f"test_pass_on_bad_{hook}_{next(_SERIAL)}"
    type(name, (PassOn,), {hook: classmethod(body)}, type_name=name)
    return name


@pytest.mark.parametrize(("hook", "body", "match"), [
    ("target_many", lambda cls, day, group, planned: {"product": group.stock("feed")},
     r"test_pass_on_bad.*target_many.*wants 'product'.*accepted: \{material id or index: "
     r"3 finite numbers >= 0\} for feed"),
    ("target_many", lambda cls, day, group, planned: {"feed": [1.0, 2.0]},
     r"target_many.*returned \[1\.0, 2\.0\] for 'feed'"),
    ("target_many", lambda cls, day, group, planned: [1.0],
     r"target_many.*returned \[1\.0\] on day 0"),
    ("produce_many", lambda cls, day, group: np.ones((3, 2)),
     r"produce_many.*accepted: an array of 3 firms x 1 processes"),
    ("produce_many", lambda cls, day, group: np.ones((3, 1)),
     r"p2.*produce_many.*before the firm joined"),
])  # fmt: skip
def test_bad_answers_of_the_type_level_twins_are_refused(hook: str, body: Any,
                                                         match: str) -> None:  # fmt: skip
    name = _broken(hook, body)
    with pytest.raises(FirmHookError, match=match):
        Simulation(scenario_from_dict(scenario(name))).run()


def _ship(**kwargs: Any) -> Any:
    def produce_many(cls: type, day: int, group: FirmGroup) -> np.ndarray:
        group.ship(day, "feed", **kwargs)
        return np.zeros((len(group), 1))

    return produce_many


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"quantity": np.full(3, 1.0), "to": ["p1", "p2", "nowhere"]},
     r"p2.*ship.*'nowhere'.*accepted: a firm id, and truck or None"),
    ({"quantity": np.full(3, 1.0), "to": ["p1", "p2", "p0"], "mode": "rail"},
     r"ship.*'rail'.*accepted"),
    ({"quantity": np.full(3, 50.0), "to": ["p1", "p2", "p0"]},
     r"p0.*ship.*50\.0 of 'feed' \(accepted: 0 to 3\.5\)"),
    ({"quantity": np.full(2, 1.0), "to": ["p1", "p2"]},
     r"group\.ship.*accepted: 3 finite numbers >= 0, one per firm"),
    ({"quantity": np.full(3, 1.0), "to": ["p1", "p2"]},
     r"group\.ship.*2 receivers.*accepted: one of each per firm, 3"),
])  # fmt: skip
def test_lots_a_type_ships_are_checked(kwargs: dict[str, Any], match: str) -> None:
    name = _broken("produce_many", _ship(**kwargs))
    with pytest.raises(FirmHookError, match=match):
        Simulation(scenario_from_dict(scenario(name))).run()


def test_a_lot_of_nothing_is_not_sent() -> None:
    """Neither path sends a lot of 0 (no shipment row of 0 t, before or after arrival)."""
    name = _broken("produce_many", _ship(quantity=np.zeros(3), to=["p1", "p2", "p0"]))
    results = Simulation(scenario_from_dict(scenario(name, days=3))).run()
    assert len(results.extra["shipments"]) == 0
