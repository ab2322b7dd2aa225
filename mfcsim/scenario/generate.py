"""A synthetic cluster of N firms for benchmarks: mixed types in a 60 km square, seeded.

Per group of ten firms: three greenhouses, two arable farms, one dairy farm, one food
processor, one digester, one composter and one city hub. Recipes close their mass balance;
residues (green waste, manure, processing residue, food waste) are what digesters and
composters take, through the regional agent or disposal.

    from mfcsim.scenario.generate import synthetic_cluster
    scenario = mfcsim.scenario_from_dict(synthetic_cluster(1000, seed=1))
"""

from __future__ import annotations

from typing import Any

import numpy as np

MATERIALS: dict[str, dict[str, Any]] = {
    "feed": {"unit": "t", "kind": "raw_material", "price": 300},
    "fertiliser": {"unit": "t", "kind": "raw_material", "price": 400},
    "water": {"unit": "t", "kind": "raw_material", "price": 1, "water": True},
    "vegetables": {"unit": "t", "kind": "product", "price": 900},
    "potatoes": {"unit": "t", "kind": "product", "price": 150},
    "milk": {"unit": "t", "kind": "product", "price": 450},
    "fries": {"unit": "t", "kind": "product", "price": 1200},
    "green_waste": {"unit": "t", "kind": "residue"},
    "cattle_manure": {"unit": "t", "kind": "residue"},
    "peels": {"unit": "t", "kind": "residue"},
    "food_waste": {"unit": "t", "kind": "residue"},
    "digestate": {"unit": "t", "kind": "residue"},
    "compost": {"unit": "t", "kind": "product", "price": 5},
    "biogas": {"unit": "t", "kind": "energy"},
    "vapour": {"unit": "t", "kind": "emission"},
    "crop_growth": {"unit": "t", "kind": "environmental"},
    "consumed_food": {"unit": "t", "kind": "environmental", "sink": "consumption"},
}

RECIPES: dict[str, dict[str, Any]] = {
    "greenhouse": {
        "capacity": 10,
        "inputs": {"water": 3.0, "fertiliser": 0.01},
        "outputs": {"vegetables": 0.5, "green_waste": 0.1},
        "to_environment": {"vapour": 2.41},
    },
    "arable": {
        "capacity": 20,
        "inputs": {"fertiliser": 0.02},
        "from_environment": {"crop_growth": 1.0},
        "outputs": {"potatoes": 0.8, "green_waste": 0.2},
        "to_environment": {"vapour": 0.02},
    },
    "dairy": {
        "capacity": 50,
        "inputs": {"feed": 0.05, "water": 0.08},
        "outputs": {"milk": 0.028, "cattle_manure": 0.06},
        "to_environment": {"vapour": 0.042},
    },
    "processor": {
        "capacity": 15,
        "inputs": {"potatoes": 1.0},
        "outputs": {"fries": 0.5, "peels": 0.4},
        "to_environment": {"vapour": 0.1},
    },
    "digester": {
        "capacity": 20,
        "inputs": {"cattle_manure": 1.0},
        "outputs": {"biogas": 0.03, "digestate": 0.97},
    },
    "composter": {
        "capacity": 10,
        "inputs": {"green_waste": 1.0},
        "outputs": {"compost": 0.32},
        "to_environment": {"vapour": 0.68},
    },
    "hub": {
        "capacity": 5000,
        "inputs": {"vegetables": 0.0002, "milk": 0.0003, "fries": 0.0001},
        "outputs": {"food_waste": 0.00006},
        "to_environment": {"consumed_food": 0.00054},
    },
}
ROLES = ["greenhouse"] * 3 + ["arable"] * 2 + ["dairy", "processor", "digester", "composter", "hub"]


def synthetic_cluster(
    n_firms: int, *, seed: int = 0, days: int = 365, policy: str = "none"
) -> dict[str, Any]:
    """A scenario mapping with ``n_firms`` firms (seeded positions and sizes)."""
    rng = np.random.default_rng(seed)
    firms = {}
    for i in range(n_firms):
        role = ROLES[i % len(ROLES)]
        recipe = dict(RECIPES[role])
        recipe["capacity"] = float(recipe["capacity"] * rng.uniform(0.5, 1.5))
        firm: dict[str, Any] = {
            "type": "generic",
            "location": {"x_km": float(rng.uniform(0, 60)), "y_km": float(rng.uniform(0, 60))},
            "processes": {"main": recipe},
            "variability": {"activity_cv": 0.1},
            "buyer": role == "hub",
        }
        if role == "arable":
            firm["seasonality"] = {"window": [200, 300]}
        firms[f"{role}_{i}"] = firm
    return {
        "name": f"synthetic-{n_firms}",
        "horizon": days,
        "seed": seed,
        "materials": MATERIALS,
        "firms": firms,
        "substitution": {
            "fertilisers": {"members": {"fertiliser": 1.0, "digestate": 0.1}, "balance": "vapour"},
        },
        "boundary": {
            "imports": {
                m: {}
                for m in ("feed", "fertiliser", "water", "vegetables", "milk", "fries", "potatoes")
            },
            "exports": {m: {} for m in ("vegetables", "milk", "fries", "compost")},
            "disposal": {"landfill": {"gate_fee": 100, "co2e": 0.5}, "dissipation": {}},
        },
        "agent": {"policy": policy},
    }
