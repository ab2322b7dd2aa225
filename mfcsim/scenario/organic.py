"""An organic-farming cluster near a city, clustered or fragmented: a readable scenario YAML.

The case (background document 004 in docs/background.md: Harenkarspel / West-Friesland)
asks about the right scale at the start of a cluster and about fragmentation: organic farms
scattered over the land among conventional ones (*versnippering*).
:func:`organic_cluster_yaml` writes a runnable scenario of ``farms`` organic arable,
vegetable and dairy farms around a centre, with a processor at the centre and the city
nearby as buyers; the farms exchange manure, feed grain and straw
through the regional agent (greedy: nearest supplier first).

Layouts, for a region of radius ``spread_km`` around the centre:

- ``clustered``: the organic farms hold one contiguous block, a quarter of the region's area
  (a disc of radius ``spread_km / 2``), as after land swaps bring them together;
- ``fragmented``: the same farms scattered uniformly over the whole region.

Every coefficient is cited (a row of data/published) or marked as an assumption in the file
itself. Same arguments, same bytes.

    mfcsim generate organic-cluster --farms 40 --layout fragmented --spread-km 15 --seed 1
"""

from __future__ import annotations

import math
import textwrap
from typing import Literal

import numpy as np

Layout = Literal["clustered", "fragmented"]
LAYOUTS: tuple[Layout, ...] = ("clustered", "fragmented")

#: Distance from the cluster's centre to the city, km (assumption: Harenkarspel to Alkmaar).
CITY_KM = 15.0
#: Inhabitants of the city (assumption: Alkmaar, order of magnitude).
POPULATION = 110_000
#: The farms' roles, repeated per ten farms: four arable, three vegetable, three dairy.
ROLES = (
    "arable",
    "vegetable",
    "dairy",
    "arable",
    "vegetable",
    "dairy",
    "arable",
    "vegetable",
    "dairy",
    "arable",
)
#: The fewest farms: one of each role.
MIN_FARMS = 3
MAX_FARMS = 100_000

#: material -> (YAML flow mapping, comment citing its numbers)
MATERIALS: dict[str, tuple[str, str]] = {
    "milk": (
        "{unit: t, kind: product, price: 550 EUR/t}",
        "price: assumption (organic farm-gate milk ~0.55 EUR/kg)",
    ),
    "dairy_products": (
        "{unit: t, kind: product, price: 1500 EUR/t}",
        "price: assumption (organic consumer dairy mix)",
    ),
    "vegetables": (
        "{unit: t, kind: product, price: 800 EUR/t}",
        "price: assumption (organic field vegetables, farm gate)",
    ),
    "feed_grain": (
        "{unit: t, kind: product, price: 400 EUR/t}",
        "price: assumption (organic feed wheat)",
    ),
    "straw": ("{unit: t, kind: residue, price: 80 EUR/t}", "price: assumption (baled straw)"),
    "cattle_manure": (
        "{unit: t, kind: residue, disposal: manure_processing, composition: {dry_matter: 0.10}}",
        "dry matter: CC biogas_yield cattle slurry TS 10 % (C1)",
    ),
    "whey": (
        "{unit: t, kind: residue}",
        "fed to the dairy farms' cows in practice; here disposed or exported",
    ),
    "water": ("{unit: t, kind: raw_material, price: 1 EUR/t, water: true}", "price: assumption"),
    "roughage": (
        '{unit: t, kind: environmental, description: "grass and clover of the dairy farms"}',
        "",
    ),
    "crop_uptake": (
        '{unit: t, kind: environmental, description: "CO2, water, nutrients the crops take up"}',
        "",
    ),
    "applied_to_soil": (
        '{unit: t, kind: environmental, sink: soil, description: "manure worked into the soil"}',
        "",
    ),
    "respiration": (
        '{unit: t, kind: emission, description: "CO2 and water vapour of the cows, net"}',
        "",
    ),
    "water_vapour": ("{unit: t, kind: emission, water: true}", ""),
    "consumed_food": ("{unit: t, kind: environmental, sink: consumption}", ""),
}

#: role -> (process name, main output, output per day of a typical farm, recipe per unit, note)
RECIPES: dict[str, tuple[str, float, dict[str, dict[str, float]], str]] = {
    "dairy": (
        "milk",
        1.342,
        {
            "inputs": {"feed_grain": 0.25, "straw": 0.1, "water": 4.5},
            "from_environment": {"roughage": 3.0},
            "outputs": {"milk": 1.0, "cattle_manure": 4.8},
            "to_environment": {"respiration": 2.05},
        },
        "per t milk. Herd: assumption, 70 cows x 7,000 kg/yr = 1.342 t/d. Manure: AF G01 "
        "(GroeneWoudGas: 40,000 t/yr from 17 dairy farms = 6.45 t/d a farm) / 1.342 = 4.8. "
        "Concentrates 0.25, straw 0.1, water 4.5, roughage 3.0: assumption (organic rations, "
        "~90 L water a cow-day). Respiration closes the balance.",
    ),
    "arable": (
        "grain",
        0.822,
        {
            "inputs": {"cattle_manure": 2.4},
            "from_environment": {"crop_uptake": 1.6},
            "outputs": {"feed_grain": 1.0, "straw": 0.6},
            "to_environment": {"applied_to_soil": 2.4},
        },
        "per t grain. Farm: assumption, 60 ha x 5 t/ha organic wheat = 0.822 t/d (the harvest "
        "stored and sold evenly). Straw 3 t/ha and manure 12 t/ha: assumption. Manure goes to "
        "the soil; crop uptake closes the balance.",
    ),
    "vegetable": (
        "vegetables",
        2.192,
        {
            "inputs": {"cattle_manure": 0.5},
            "from_environment": {"crop_uptake": 1.0},
            "outputs": {"vegetables": 1.0},
            "to_environment": {"applied_to_soil": 0.5},
        },
        "per t vegetables. Farm: assumption, 20 ha x 40 t/ha = 2.192 t/d (stored crops sold "
        "evenly). Manure 20 t/ha: assumption. Crop uptake closes the balance.",
    ),
}

#: Daily diet of the city's inhabitants from the cluster, t per person-day (assumption).
DIET = {"vegetables": 0.00012, "dairy_products": 0.00035}


def organic_cluster_yaml(
    farms: int,
    *,
    layout: Layout = "clustered",
    spread_km: float = 10.0,
    seed: int = 0,
    days: int = 365,
) -> str:
    """The scenario YAML text of an organic cluster (same arguments, same text).

    Args:
        farms: Number of farms (3 or more): arable, vegetable and dairy in the ratio 4:3:3.
        layout: ``clustered`` (one block, radius ``spread_km / 2``) or ``fragmented``
            (scattered over the disc of radius ``spread_km``).
        spread_km: Radius of the region around the centre, km (> 0).
        seed: Seeds the positions and the farm sizes.
        days: Horizon, days.

    Raises:
        ValueError: For a count, layout or spread outside what is accepted.
    """
    _check(farms, layout, spread_km, days)
    rng = np.random.default_rng(seed)
    radius = spread_km / 2 if layout == "clustered" else spread_km
    lines = _header(farms, layout, spread_km, seed, days)
    lines += ["materials:"]
    for mid, (flow, note) in MATERIALS.items():
        lines.append(f"  {mid}: {flow}" + (f"  # {note}" if note else ""))
    lines += ["", "firms:"]
    lines += _city_and_processor(farms)
    noted: set[str] = set()
    for i in range(farms):
        role = ROLES[i % len(ROLES)]
        r = radius * math.sqrt(float(rng.uniform()))  # uniform by area
        angle = float(rng.uniform(0.0, 2.0 * math.pi))
        size = float(rng.uniform(0.6, 1.4))  # assumption: farms differ +-40 % in size
        x, y = r * math.cos(angle), r * math.sin(angle)
        lines += _farm(f"{role}_{i:03d}", role, x, y, size, noted)
    lines += _boundary()
    return "\n".join(lines) + "\n"


def _check(farms: int, layout: str, spread_km: float, days: int) -> None:
    if not MIN_FARMS <= farms <= MAX_FARMS:
        raise ValueError(
            f"--farms {farms}: accepted: a whole number from {MIN_FARMS} (one farm of each "
            f"kind) to {MAX_FARMS:,}"
        )
    if layout not in LAYOUTS:
        raise ValueError(f"--layout {layout!r}: accepted: {', '.join(LAYOUTS)}")
    if not (math.isfinite(spread_km) and 0.0 < spread_km <= 500.0):
        raise ValueError(f"--spread-km {spread_km:g}: accepted: a number > 0 and <= 500")
    if days < 1:
        raise ValueError(f"--days {days}: accepted: a whole number, 1 or more")


def _header(farms: int, layout: str, spread_km: float, seed: int, days: int) -> list[str]:
    return [
        f"# Organic farming cluster, {layout}: {farms} farms within {spread_km:g} km of a centre",
        f"# {CITY_KM:g} km from a city of {POPULATION:,} (background document 004, Harenkarspel).",
        f"# Written by: mfcsim generate organic-cluster --farms {farms} --layout {layout} "
        f"--spread-km {spread_km:g} --seed {seed} --days {days}",
        "# Farms: arable (feed grain, straw), vegetable and dairy (milk, manure), 4:3:3. Manure",
        "# goes to the arable and vegetable farms, feed grain and straw to the dairy farms, milk",
        "# to the processor at the centre, vegetables and dairy products to the city. The agent",
        "# (greedy) sends each surplus to the nearest need; imports are the last resort.",
        "# Coordinates are km from the centre (x east, y north); the city lies east.",
        "# Every coefficient cites a row of data/published or is marked assumption.",
        f"name: organic-cluster-{farms}-{layout}",
        "description: >-",
        f"  Organic farming cluster ({layout}), {farms} farms within {spread_km:g} km of the",
        "  centre, exchanging manure, feed grain and straw; a processor and the city buy.",
        f"horizon: {days} d",
        f"seed: {seed}",
        "start_date: 2026-01-01",
        "sources:",
        '  G01: "data/published/agrifood_symbiosis_flows.csv, GroeneWoudGas G01: 40,000 t/yr '
        'fresh cattle manure from 17 dairy farms"',
        '  C1: "data/published/conversion_coefficients.csv, biogas_yield cattle slurry (C1): '
        'TS 10 %"',
        '  seed004: "background document 004 (docs/background.md): clustering organic farming, '
        'fragmentation (versnippering), right scale at the start"',
        '  assumption: "not in data/published: a plausible value for Dutch organic farms; the '
        'comment says why"',
        "agent: {policy: greedy}",
        "",
    ]


def _flow(mapping: dict[str, float]) -> str:
    return "{" + ", ".join(f"{k}: {_num(v)}" for k, v in mapping.items()) + "}"


def _num(value: float) -> str:
    """A number as YAML reads it back (six significant digits, never an exponent)."""
    text = f"{value:.6g}"
    if "e" in text:
        text = f"{value:.12f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _recipe(capacity: float, recipe: dict[str, dict[str, float]]) -> str:
    parts = [f"capacity: {_num(capacity)}"]
    parts += [f"{key}: {_flow(amounts)}" for key, amounts in recipe.items()]
    return "{" + ", ".join(parts) + "}"


def _farm(fid: str, role: str, x: float, y: float, size: float, noted: set[str]) -> list[str]:
    process, typical, recipe, note = RECIPES[role]
    out = []
    if role not in noted:
        noted.add(role)
        text = f"{role} farm recipe, {note}"
        out += [f"  # {line}" for line in textwrap.wrap(text, width=94)]
    out += [
        f"  {fid}:",
        "    type: generic",
        f"    location: {{x_km: {_num(x)}, y_km: {_num(y)}}}",
        f"    processes: {{{process}: {_recipe(typical * size, recipe)}}}",
    ]
    return out


def _city_and_processor(farms: int) -> list[str]:
    dairies = sum(1 for i in range(farms) if ROLES[i % len(ROLES)] == "dairy")
    milk = RECIPES["dairy"][1] * dairies
    eaten = sum(DIET.values())
    return [
        "  # the city: its inhabitants' daily vegetables and dairy from the cluster (diet and",
        "  # population: assumption); what the cluster lacks it imports",
        "  city:",
        "    type: generic",
        "    buyer: true",
        f"    location: {{x_km: {_num(CITY_KM)}, y_km: 0}}",
        f"    processes: {{eat: {{capacity: {POPULATION}, inputs: {_flow(DIET)}, "
        f"to_environment: {{consumed_food: {_num(eaten)}}}}}}}",
        "  # the processor at the centre takes the milk of the typical dairy farms (capacity:",
        "  # their sum). Dairy products 0.9 t and whey 0.1 t per t milk: assumption",
        "  processor:",
        "    type: generic",
        "    buyer: true",
        "    location: {x_km: 0, y_km: 0}",
        f"    processes: {{dairy: {{capacity: {_num(milk)}, inputs: {{milk: 1.0}}, "
        "outputs: {dairy_products: 0.9, whey: 0.1}}}",
    ]


def _boundary() -> list[str]:
    return [
        "",
        "boundary:",
        "  imports: {feed_grain: {}, straw: {}, cattle_manure: {}, water: {}, milk: {}, "
        "vegetables: {}, dairy_products: {}}",
        "  exports: {feed_grain: {}, straw: {}, milk: {}, vegetables: {}, dairy_products: {}}",
        "  disposal:",
        "    manure_processing: {gate_fee: 15 EUR/t}  # assumption: Dutch manure disposal fee",
        "    landfill: {gate_fee: 100 EUR/t}  # assumption",
        "    dissipation: {}",
    ]
