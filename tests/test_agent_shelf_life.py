"""Shelf life: the agent sends a perishable material on no trip longer than it keeps."""

import pytest

from mfcsim.testing import run_scenario


def scenario(shelf_life: str | None, distance_km: float) -> dict:
    veg = {"unit": "t", "kind": "product"}
    if shelf_life is not None:
        veg["shelf_life"] = shelf_life
    return {
        "name": "shelf",
        "horizon": 6,
        "materials": {
            "veg": veg,
            "growth": {"unit": "t", "kind": "environmental"},
            "eaten": {"unit": "t", "kind": "environmental", "sink": "consumption"},
        },
        "firms": {
            "farm": {
                "type": "generic",
                "location": {"x_km": 0, "y_km": 0},
                "processes": {
                    "grow": {
                        "capacity": 10,
                        "from_environment": {"growth": 1},
                        "outputs": {"veg": 1},
                    }
                },
            },
            "town": {
                "type": "generic",
                "location": {"x_km": distance_km, "y_km": 0},
                "buyer": True,
                "processes": {
                    "eat": {"capacity": 5, "inputs": {"veg": 1}, "to_environment": {"eaten": 1}}
                },
            },
        },
        "network": {
            "detour_factor": 1.0,
            "modes": {"truck": {"speed": "50 km/h", "cost": 0.1, "co2e": 0.0}},
        },
        "boundary": {"imports": {"veg": {"price": 2000}}},
        "agent": {"policy": "greedy"},
    }


def agent_tonnes(results) -> float:
    sent = results.extra["shipments"]
    return float(sent.loc[sent["origin"] == "agent", "quantity"].sum())


@pytest.mark.parametrize(("shelf_life", "distance_km", "ships"), [
    (None, 20.0, True),        # keeps forever
    ("1 h", 20.0, True),       # 20 km at 50 km/h = 24 min on the road: keeps
    ("10 min", 20.0, False),   # 24 min on the road: too long
    ("10 min", 5.0, True),     # 6 min: fine
])  # fmt: skip
def test_perishable_goods_travel_no_longer_than_they_keep(shelf_life, distance_km, ships):
    """Arcs longer than the material's shelf life are left out of the clearing."""
    results = run_scenario(scenario(shelf_life, distance_km))
    assert (agent_tonnes(results) > 0) is ships
