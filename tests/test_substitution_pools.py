"""Inputs of one substitution group draw on one shared pool."""

import pytest

from mfcsim.testing import run_scenario


def mill_scenario(soy_t: float, bsg_t: float) -> dict:
    return {
        "name": "pool",
        "horizon": 1,
        "materials": {
            "soy": {"unit": "t", "kind": "raw_material"},
            "bsg": {"unit": "t", "kind": "residue"},
            "feed": {"unit": "t", "kind": "product"},
            "vapour": {"unit": "t", "kind": "emission"},
        },
        "firms": {
            "mill": {
                "type": "generic",
                "location": {"x_km": 0, "y_km": 0},
                "imports": False,
                "processes": {
                    # per t feed: 0.5 t soy and 0.5 t wet spent grain in, 1 t feed out
                    "mix": {
                        "capacity": 100,
                        "inputs": {"soy": 0.5, "bsg": 0.5},
                        "outputs": {"feed": 1.0},
                    },
                },
                "initial_stock": {"soy": soy_t, "bsg": bsg_t},
                "storage": {"bsg": 1000},
            }
        },
        "substitution": {"protein": {"members": {"soy": 1.0, "bsg": 0.25}, "balance": "vapour"}},
    }


def produced(results, material: str) -> float:
    flows = results.flows
    rows = flows[(flows["kind"] == "production") & (flows["material"] == material)]
    return float(rows["quantity"].sum())


@pytest.mark.parametrize(("soy_t", "bsg_t"), [(10.0, 0.0), (0.0, 40.0), (3.0, 12.0), (20.0, 1.0)])
def test_two_inputs_of_one_group_share_their_pool_and_balance(soy_t, bsg_t):
    """Activity = pool units on hand / pool units per activity; the run still balances."""
    results = run_scenario(mill_scenario(soy_t, bsg_t))
    pool_units = soy_t * 1.0 + bsg_t * 0.25
    per_activity = 0.5 * 1.0 + 0.5 * 0.25
    assert produced(results, "feed") == pytest.approx(min(100.0, pool_units / per_activity))
    assert results.kpis["mass_balance_max_rel_error"] < 1e-9


def test_wet_substitute_releases_its_extra_water_as_the_balance_material():
    """Only wet grain on hand: the water beyond soy's mass per group unit leaves as vapour."""
    results = run_scenario(mill_scenario(0.0, 40.0))
    feed_t = produced(results, "feed")
    # 40 t grain = 10 group units; the recipe counts 0.5 t soy + 0.5 t grain per t feed
    consumed = results.flows[results.flows["kind"] == "consumption"]["quantity"].sum()
    vapour = results.flows[results.flows["kind"] == "emission"]["quantity"].sum()
    assert consumed == pytest.approx(40.0)
    assert vapour == pytest.approx(40.0 - feed_t)
