# ruff: noqa: E501  (the YAML lines it writes carry their citations, as scenarios/default.yaml)
"""An organic-farming cluster near two cities, clustered or fragmented: a readable scenario YAML.

The case (background document 004 in docs/background.md: Harenkarspel / West-Friesland)
asks about the right scale at the start of a cluster, about fragmentation (organic farms
scattered among conventional ones, *versnippering*) and about what cooperation brings: a
shared machine pool, joint sales through a cooperative and shared logistics.
:func:`organic_cluster_yaml` writes a runnable scenario of ``farms`` organic arable,
vegetable and dairy farms (built-in ``arable_farm`` and ``dairy_farm`` types) around a
centre where a dairy processor, a composter and the cooperative's depot stand, with Alkmaar
and Amsterdam as buyers:

- **cycles**: the dairy farms' manure goes onto their own grassland and, through the
  regional agent, to the arable and vegetable farms; feed wheat and straw go to the dairy
  farms; the cities' food waste comes back as compost for the vegetable farms; N and P ride
  on every material (substances, nutrient balances per hectare);
- **the organic rule**: no mineral nitrogen fertiliser on the farms (``rules:``, checked
  after the run as ``rule_breach_t``); the farms have no mineral top-up and manure is not
  imported, so the cluster's own manure and compost are all the N it spreads;
- **machine pool** (``shared``): one combine harvester per six arable farms and one root-crop
  harvester per five vegetable farms kept at the depot; waiting costs yield. ``own``: each
  farm keeps its own machine (the counterfactual of the pool's investment avoided);
- **cooperative**: the farms and the processor sell vegetables and dairy products jointly
  to the two cities under a regional organic brand and buy feed wheat jointly;
- **fleet**: lorries and slurry tankers at the depot collect the day's lots in shared tours.

Layouts, for a region of radius ``spread_km`` around the centre:

- ``clustered``: the organic farms hold one contiguous block, a quarter of the region's area
  (a disc of radius ``spread_km / 2``), as after land swaps bring them together;
- ``fragmented``: the same farms scattered uniformly over the whole region.

Every coefficient is cited (a row of data/published, the default scenario's documented
assumptions, or a regulation) or marked as an assumption in the file itself. Same arguments,
same bytes.

    mfcsim generate organic-cluster --farms 40 --layout fragmented --spread-km 15 --seed 1
"""

from __future__ import annotations

import json
import math
import textwrap
from dataclasses import dataclass
from typing import Literal

import numpy as np

Layout = Literal["clustered", "fragmented"]
LAYOUTS: tuple[Layout, ...] = ("clustered", "fragmented")
PoolMode = Literal["shared", "own"]
POOL_MODES: tuple[PoolMode, ...] = ("shared", "own")

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
#: Farms per shared machine: arable farms per combine, vegetable farms per root harvester.
FARMS_PER_COMBINE = 6
FARMS_PER_ROOT_HARVESTER = 5
#: A dairy cow's daily ration, kg (assumption: organic, concentrates low).
FEED_KG_PER_COW_DAY = {"wheat": 3.0, "protein_feed": 1.0, "straw": 1.5}
#: A dairy cow's milk, kg a day (assumption: ~7,000 kg a year, below conventional).
MILK_KG_PER_COW_DAY = 19.2
#: A dairy cow's slurry, kg a day (the dairy_farm default, consistent with G01).
MANURE_KG_PER_COW_DAY = 65.0
#: What the cities' organic shoppers buy of the cluster, kg per person-day (assumption).
DIET_KG_PER_PERSON_DAY = {"vegetables": 0.12, "dairy_products": 0.35}
#: Share of what the cities buy that becomes food waste (default.yaml's assumption).
WASTE_SHARE = 0.055
#: Straw the composter takes, t a day (assumption).
COMPOSTER_STRAW_T_DAY = 2.0


@dataclass(frozen=True)
class Options:
    """What a generated cluster has besides its farms (the variants of the case)."""

    machine_pool: PoolMode = "shared"
    cooperative: bool = True
    fleet: bool = True
    #: The file's "Questions it answers" paragraph (empty: the cluster's general questions).
    question: str = ""


#: The cities: id, position (km from the centre), inhabitants who buy organic from the
#: cluster, and the comment that says why.
CITIES = (
    ("alkmaar", 15.0, 0.0, 5_500,
     "assumption: ~5 % of Alkmaar's ~110,000 inhabitants buy their vegetables and dairy "
     "organic (the order of the Dutch organic share of food spending); 15 km east of the "
     "centre, as Alkmaar from Harenkarspel"),
    ("amsterdam", 0.0, -35.0, 45_000,
     "assumption: ~5 % of Amsterdam's ~900,000 inhabitants; 35 km south of the centre"),
)  # fmt: skip

MATERIALS = """\
materials:
  # N and P ride on every material (docs/substances.md); compositions as in
  # scenarios/default.yaml unless said otherwise
  wheat: {unit: t, kind: product, price: 380 EUR/t, harvested: true, composition: {dry_matter: 0.86, N: 0.016, P: 0.0033}}  # price: assumption (organic feed wheat); N: assumption (organic wheat ~10 % protein fresh / 6.25), dm, P as default.yaml
  protein_feed: {unit: t, kind: raw_material, price: 600 EUR/t, composition: {dry_matter: 0.9, N: 0.053, P: 0.011}}  # organic rapeseed cake, bought in: price, N (~33 % protein / 6.25), P: assumption
  straw: {unit: t, kind: residue, price: 80 EUR/t, harvested: true, composition: {dry_matter: 0.85, N: 0.0055, P: 0.0007}}  # price: assumption (baled straw); composition: default.yaml's assumption
  vegetables: {unit: t, kind: product, price: 700 EUR/t, harvested: true, composition: {dry_matter: 0.11, N: 0.0017, P: 0.0003}}  # price: assumption (organic carrots and onions, farm gate); N, P: assumption (~1.1 % protein fresh / 6.25, ~0.3 g P per kg)
  raw_milk: {unit: t, kind: product, price: 550 EUR/t, composition: {dry_matter: 0.13, N: 0.0055, P: 0.00095}}  # price: assumption (organic farm-gate milk ~0.55 EUR/kg); composition: default.yaml's assumption
  dairy_products: {unit: t, kind: product, price: 1500 EUR/t, composition: {N: 0.006076, P: 0.001005}}  # price: assumption (organic consumer dairy mix); N, P: raw milk's x the processor's transfer share / yield, as default.yaml
  cattle_manure: {unit: t, kind: residue, disposal: manure_processing, composition: {dry_matter: 0.10, N: 0.004, P: 0.0007}}  # dm: CC biogas_yield cattle slurry TS 10 % (C1); N, P: default.yaml's assumption (Dutch slurry ~4 kg N, ~1.5 kg P2O5 per t)
  compost: {unit: t, kind: residue, price: 5 EUR/t, composition: {dry_matter: 0.6, N: 0.0115, P: 0.0018}}  # as default.yaml (assumption); compost of source-separated household waste is an authorised fertiliser in organic farming (Regulation (EU) 2021/1165, Annex II)
  food_waste: {unit: t, kind: residue, disposal: incineration, composition: {dry_matter: 0.25, N: 0.0089, P: 0.0011}}  # N: CC biogas_yield source-segregated domestic food waste, N 8.9 kg/t (C4); dm, P: default.yaml's assumption
  whey: {unit: t, kind: residue, composition: {dry_matter: 0.06, N: 0.0014, P: 0.0005}}  # as default.yaml (assumption); sold outside the region as pig feed
  mineral_fertiliser: {unit: t, kind: raw_material, price: 350 EUR/t, composition: {N: 0.27}}  # calcium ammonium nitrate, 27 % N (the farm types' mineral_n_share default, assumption): forbidden by the organic rule, declared so the rule can name it
  water: {unit: t, kind: raw_material, price: 1 EUR/t, water: true}  # price: assumption
  homegrown_roughage: {unit: t, kind: environmental, description: "grass and clover grown on the dairy farms' own land"}
  crop_uptake: {unit: t, kind: environmental, description: "CO2, water and nutrients taken up by the crops"}
  applied_to_soil: {unit: t, kind: environmental, sink: soil, description: "manure and compost worked into the soil"}
  respiration: {unit: t, kind: emission, description: "CO2 and water vapour breathed out, net of oxygen"}
  enteric_methane: {unit: t, kind: emission, ghg: ch4_biogenic, ghg_category: agriculture}  # co2e from the gwp set (AR6 GWP100, mfcsim/ghg.py)
  composting_losses: {unit: t, kind: emission, co2e: 0.07 t CO2e/t, ghg: co2e, ghg_category: waste}  # as default.yaml (assumption: CH4 + N2O of composting)
  culls: {unit: t, kind: residue, composition: {dry_matter: 0.11, N: 0.0017, P: 0.0003}}  # graded-out vegetables: the vegetables' composition
  compost_refuse: {unit: t, kind: residue}
  wastewater: {unit: t, kind: emission, sink: water, water: true}
  consumed_food: {unit: t, kind: environmental, sink: consumption}
"""

#: Transfer coefficients that put what is spread into the soil (N and P conserved).
TO_SOIL = "{transfer: {N: {applied_to_soil: 1.0}, P: {applied_to_soil: 1.0}}}"
#: Food eaten and wasted: N and P follow the mass (waste share 5.5 %, as default.yaml).
EATEN = "{transfer: {N: {food_waste: 0.055, consumed_food: 0.945}, P: {food_waste: 0.055, consumed_food: 0.945}}}"


def organic_cluster_yaml(
    farms: int,
    *,
    layout: Layout = "clustered",
    spread_km: float = 10.0,
    seed: int = 0,
    days: int = 365,
    options: Options | None = None,
) -> str:
    """The scenario YAML text of an organic cluster (same arguments, same text).

    Args:
        farms: Number of farms (3 or more): arable, vegetable and dairy in the ratio 4:3:3.
        layout: ``clustered`` (one block, radius ``spread_km / 2``) or ``fragmented``
            (scattered over the disc of radius ``spread_km``).
        spread_km: Radius of the region around the centre, km (> 0).
        seed: Seeds the positions and the farm sizes.
        days: Horizon, days.
        options: Machine pool shared or own, with or without the cooperative and the fleet
            (default: all of them, the pool shared).

    Raises:
        ValueError: For a count, layout, spread, horizon or pool mode outside what is accepted.
    """
    opts = options or Options()
    _check(farms, layout, spread_km, days, opts)
    rng = np.random.default_rng(seed)
    radius = spread_km / 2 if layout == "clustered" else spread_km
    placed = []
    for i in range(farms):
        role = ROLES[i % len(ROLES)]
        r = radius * math.sqrt(float(rng.uniform()))  # uniform by area
        angle = float(rng.uniform(0.0, 2.0 * math.pi))
        size = float(rng.uniform(0.6, 1.4))  # assumption: farms differ +-40 % in size
        placed.append(Farm(f"{role}_{i:03d}", role, r * math.cos(angle), r * math.sin(angle), size))
    lines = _header(farms, layout, spread_km, seed, days, opts)
    lines += MATERIALS.splitlines()
    lines += ["", "firms:"]
    lines += _centre(placed)
    noted: set[str] = set()
    for farm in placed:
        lines += _farm(farm, opts, noted)
    lines += _machine_pools(placed, opts)
    lines += _cooperative(placed, opts)
    lines += _fleets(opts)
    lines += _rules(placed)
    lines += _plausibility()
    lines += _network_and_boundary(_export_limits(placed))
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Farm:
    """One generated farm: id, role, position (km from the centre) and size factor."""

    fid: str
    role: str
    x_km: float
    y_km: float
    size: float


def _check(farms: int, layout: str, spread_km: float, days: int, opts: Options) -> None:
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
    if opts.machine_pool not in POOL_MODES:
        raise ValueError(f"--machine-pool {opts.machine_pool!r}: accepted: {', '.join(POOL_MODES)}")


def _variant(opts: Options) -> str:
    """The command-line flags that give these options."""
    flags = [f"--machine-pool {opts.machine_pool}"]
    flags += [] if opts.cooperative else ["--no-cooperative"]
    flags += [] if opts.fleet else ["--no-fleet"]
    return " ".join(flags)


#: The questions the cluster answers (a variant's file may name its own).
QUESTIONS = (
    "whether the cluster's own manure and compost feed its land (N and P balances per "
    "hectare, rule_breach_t), what the machine pool, the cooperative and the fleet bring "
    "(waiting, yield lost, investment avoided, members' gains, load factor), and how scale at "
    "the start and fragmentation change transport and self-sufficiency (compare the variants "
    "in scenarios/organic/, `mfcsim compare A.yaml B.yaml`)."
)


def _suffix(opts: Options) -> str:
    """What the scenario's name adds for options other than the defaults."""
    out = "" if opts.machine_pool == "shared" else "-own-machines"
    out += "" if opts.cooperative else "-no-cooperative"
    return out + ("" if opts.fleet else "-no-fleet")


def _header(
    farms: int, layout: str, spread_km: float, seed: int, days: int, opts: Options
) -> list[str]:
    pool = {"shared": "a shared machine pool", "own": "each farm its own machines"}
    has = [pool[opts.machine_pool]]
    has += ["a cooperative"] if opts.cooperative else ["no cooperative"]
    has += ["a shared fleet"] if opts.fleet else ["each lot on its own lorry"]
    return [
        f"# Organic farming cluster, {layout}: {farms} farms within {spread_km:g} km of a centre",
        "#",
        *[
            f"# {line}"
            for line in _wrap(
                f"What it represents: an organic farming cluster of {farms} farms, {layout}, "
                "after the Harenkarspel / West-Friesland case (background document 004, "
                "docs/background.md): organic arable, vegetable and dairy farms exchanging "
                "manure, feed wheat and straw, compost of the cities' food waste back to the "
                f"land, selling to Alkmaar and Amsterdam; {', '.join(has)}; no mineral "
                "fertiliser (the organic rule, checked after the run)."
            )
        ],
        "#",
        *[f"# {line}" for line in _wrap(f"Questions it answers: {opts.question or QUESTIONS}")],
        "#",
        f"# Written by: mfcsim generate organic-cluster --farms {farms} --layout {layout} "
        f"--spread-km {spread_km:g} --seed {seed} --days {days} {_variant(opts)}"
        + (" (its questions paragraph: tools/organic_scenarios.py)" if opts.question else ""),
        "# Coordinates are km from the centre (x east, y north). Every coefficient cites a row of",
        "# data/published, scenarios/default.yaml's documented assumption or a regulation, or is",
        "# marked assumption.",
        f"name: organic-cluster-{farms}-{layout}{_suffix(opts)}",
        "description: >-",
        f"  Organic farming cluster ({layout}), {farms} farms within {spread_km:g} km of the",
        "  centre, exchanging manure, feed wheat, straw and compost; a processor, a composter and",
        f"  two cities; {', '.join(has)}.",
        f"horizon: {days} d",
        f"seed: {seed}",
        "start_date: 2026-01-01",
        "sources:",
        '  G01: "data/published/agrifood_symbiosis_flows.csv, GroeneWoudGas G01: 40,000 t/yr '
        'fresh cattle manure from 17 dairy farms"',
        '  C1: "data/published/conversion_coefficients.csv, biogas_yield cattle slurry (C1): '
        'TS 10 %"',
        '  C4: "data/published/conversion_coefficients.csv, biogas_yield source-segregated '
        'domestic food waste (C4): N 8.9 kg/t"',
        '  C15: "data/published/conversion_coefficients.csv, composting (C15): mass loss 68 %"',
        '  seed004: "background document 004 (docs/background.md): clustering organic farming, '
        'machine pool, joint sales, logistics, fragmentation (versnippering), scale at the start"',
        '  eu2018_848: "Regulation (EU) 2018/848 on organic production, Annex II Part I 1.9.3: '
        'mineral nitrogen fertilisers shall not be used"',
        '  nitrates: "Nitrates Directive 91/676/EEC, Annex III: at most 170 kg N per ha and year '
        'from livestock manure"',
        '  assumption: "not in data/published: a plausible value for Dutch organic farms; the '
        'comment says why"',
        "agent: {policy: greedy}  # the regional agent: each surplus to the nearest need",
        "",
    ]


def _num(value: float) -> str:
    """A number as YAML reads it back (six significant digits, never an exponent)."""
    text = f"{value:.6g}"
    if "e" in text:
        text = f"{value:.12f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _at(x_km: float, y_km: float) -> str:
    return f"location: {{x_km: {_num(x_km)}, y_km: {_num(y_km)}}}"


def _centre(placed: list[Farm]) -> list[str]:
    """The cities, the dairy processor and the composter (the depot stands at the processor)."""
    veg_kg, dairy_kg = (
        DIET_KG_PER_PERSON_DAY["vegetables"],
        DIET_KG_PER_PERSON_DAY["dairy_products"],
    )
    waste = WASTE_SHARE
    out = [
        f"  # the cities' organic shoppers: vegetables {veg_kg:g} and dairy {dairy_kg:g} kg per "
        "person-day",
        "  # (assumption: orders of the Dutch food consumption survey, as default.yaml's diet);",
        "  # 5.5 % of what they buy becomes food waste (default.yaml's assumption), collected",
        "  # for the composter; what the cluster lacks they import",
    ]
    for cid, x, y, people, why in CITIES:
        out += [
            f"  {cid}:  # {why}",
            "    type: city",
            "    fte: 0  # households: jobs outside the cluster's firms are not counted",
            f"    {_at(x, y)}",
            "    buyer: true",
            f"    params: {{population: {people}, diet_kg_per_person_day: {{vegetables: "
            f"{_num(veg_kg)}, dairy_products: {_num(dairy_kg)}}}, food_groups: {{vegetables: "
            f"[vegetables], dairy: [dairy_products]}}, waste_share: {_num(waste)}}}",
            f"    processes: {{eat_vegetables: {EATEN}, eat_dairy: {EATEN}}}",
        ]
    milk_t_day = sum(
        _dairy_cows(f) * MILK_KG_PER_COW_DAY / 1000 for f in placed if f.role == "dairy"
    )
    people = sum(c[3] for c in CITIES)
    waste_t_day = people * (veg_kg + dairy_kg) / 1000 * waste
    veg_ha = sum(CROPPING["vegetable"][1] * f.size for f in placed if f.role == "vegetable")
    culls_t_day = veg_ha * CROPPING["vegetable"][3] / 365
    compost_t_day = waste_t_day + COMPOSTER_STRAW_T_DAY + culls_t_day
    return [
        *out,
        "  # the dairy processor at the centre takes all the cluster's milk (capacity: the dairy",
        f"  # farms' herds x {MILK_KG_PER_COW_DAY:g} kg); yields and transfer shares as default.yaml's dairy plant",
        "  processor:",
        "    type: food_processor",
        f"    fte: {_num(milk_t_day * 365 / 1000)}  # assumption: ~1 FTE per 1,000 t milk a year",
        "    location: {x_km: 0, y_km: 0}",
        f"    params: {{capacity_t_per_day: {_num(milk_t_day)}, raw: raw_milk, product: "
        "dairy_products, product_yield: 0.86, residue: whey, residue_yield: 0.12, loss: "
        "wastewater}  # yields: default.yaml's assumption",
        "    processes: {process: {transfer: {N: {dairy_products: 0.95, whey: 0.03, wastewater: "
        "0.02}, P: {dairy_products: 0.91, whey: 0.06, wastewater: 0.03}}}}",
        "  # the composter beside it: the cities' food waste, the vegetable farms' culls and straw",
        f"  # the dairy farms do not need ({COMPOSTER_STRAW_T_DAY:g} t/d, assumption); mass loss 68 % (C15, the composter default); a quarter of",
        "  # the N escapes (default.yaml's assumption)",
        "  composter:",
        "    type: composter",
        f"    fte: {_num(max(1.0, compost_t_day * 365 / 2000))}  # assumption: ~2,000 t a year "
        "per FTE",
        "    location: {x_km: 0.5, y_km: 0.5}",
        f"    params: {{capacity_t_per_day: {_num(compost_t_day)}, substrates: {{food_waste: "
        f"{_num(waste_t_day)}, straw: {_num(COMPOSTER_STRAW_T_DAY)}, culls: {_num(culls_t_day)}}}}}",
        "    processes:",
        "      compost_food_waste: {transfer: &composting {N: {compost: 0.75, composting_losses: "
        "0.25}, P: {compost: 1.0}}}",
        "      compost_straw: {transfer: *composting}",
        "      compost_culls: {transfer: *composting}",
    ]


def _dairy_cows(farm: Farm) -> int:
    """Cows of a dairy farm: 70 (assumption: a Dutch organic dairy herd) x its size."""
    return max(1, round(70 * farm.size))


def _farm(farm: Farm, opts: Options, noted: set[str]) -> list[str]:
    first = farm.role not in noted
    noted.add(farm.role)
    if farm.role == "dairy":
        return _dairy(farm, first)
    return _cropping(farm, opts, first)


def _dairy(farm: Farm, first: bool) -> list[str]:
    cows = _dairy_cows(farm)
    grass_ha = cows / 1.5
    feed = FEED_KG_PER_COW_DAY
    out = [
        "  # dairy farms: 70 cows x size (assumption: a Dutch organic herd); 1.5 cows per ha of",
        f"  # grass-clover (assumption: organic stocking rate); {MILK_KG_PER_COW_DAY:g} kg milk a cow-day (assumption:",
        f"  # ~7,000 kg a year, below conventional); feed {feed['wheat']:g} kg wheat, {feed['protein_feed']:g} kg protein feed and {feed['straw']:g} kg",
        f"  # straw a cow-day (assumption: organic rations, concentrates low); manure {MANURE_KG_PER_COW_DAY:g} kg (the dairy_farm default,",
        "  # consistent with G01), all of it to the cropping farms through the agent (a farm",
        "  # that spread its own would keep it all: a firm keeps what it uses); the grass-clover",
        "  # lives on clover N (the droppings of grazing are not modelled); clover fixes ~100 kg N/ha (assumption: grass-clover",
        "  # 100-150), deposition 20 kg N/ha (default.yaml's assumption)",
    ] if first else []  # fmt: skip
    ration = ", ".join(f"{m}: {kg:.1f}" for m, kg in feed.items())
    week = ", ".join(f"{m}: {_num(cows * kg / 1000 * 7)} t" for m, kg in feed.items())
    return [
        *out,
        f"  {farm.fid}:",
        "    type: dairy_farm",
        f"    fte: {_num(cows / 50)}  # assumption: ~50 cows per FTE on an organic family farm",
        f"    land_ha: {_num(grass_ha)}",
        "    soil_inputs_kg_per_ha_yr: {N: {deposition: 20, fixation: 100}}",
        f"    {_at(farm.x_km, farm.y_km)}",
        f"    params: {{cows: {cows}, grassland_ha: {_num(grass_ha)}, feed_kg_per_cow_day: "
        f"{{{ration}}}, milk_kg_per_cow_day: {MILK_KG_PER_COW_DAY:g}, n_need_kg_per_ha: 0}}",
        f"    storage: {{cattle_manure: {_num(cows * MANURE_KG_PER_COW_DAY / 1000 * 213)} t}}  "
        "# seven months of slurry (assumption: the Dutch storage requirement is about six)",
        f"    initial_stock: {{{week}}}  # a week of feed",
    ]


#: role -> (crop, area ha, yield t/ha, residue t/ha, harvest window, fertiliser rates, fte per
#: ha, machine pool, machine days per ha, loss per day, comment)
CROPPING = {
    "arable": (
        "wheat", 60.0, 5.5, 3.0, (213, 243), {"cattle_manure": 30}, 1 / 29,
        "combine", 1 / 12, 0.005,
        "arable farms: 60 ha x size of organic winter wheat, 5.5 t/ha (assumption: ~60 % of "
        "the conventional 9 t/ha), 3 t/ha straw baled (assumption), harvested in August by the "
        "combine (12 ha a working day, 0.5 % of the grain lost per day late: assumption, as "
        "scenarios/examples/machine_pool.yaml); 30 t/ha manure in spring (120 kg N, under the "
        "Nitrates Directive's 170) from mid-February to August (assumption, default.yaml's grassland "
        "window); a legume or clover ley one year in four fixes ~40 kg N/ha a year on average "
        "(assumption), deposition 20 kg N/ha (default.yaml's assumption); 29 ha per FTE "
        "(default.yaml's assumption)",
    ),
    "vegetable": (
        "vegetables", 15.0, 40.0, 4.0, (244, 304), {"cattle_manure": 20, "compost": 10}, 1 / 5,
        "root_harvester", 1 / 4, 0.003,
        "vegetable farms: 15 ha x size of organic carrots and onions, 40 t/ha (assumption), "
        "lifted in September-October by the root harvester (4 ha a working day, 0.3 % lost per "
        "day late: assumption); 20 t/ha manure and 10 t/ha compost in spring (assumption); "
        "5 ha per FTE (assumption: hand weeding and grading); 4 t/ha culls graded out (assumption: "
        "~10 % of the crop) go to the composter",
    ),
}  # fmt: skip


#: role -> its crop residue taken off the field (the yield balance of a late harvest).
RESIDUES = {"arable": "straw", "vegetable": "culls"}


def _cropping(farm: Farm, opts: Options, first: bool) -> list[str]:
    crop, area, yld, rest, window, rates, fte_ha, pool, work, loss, note = CROPPING[farm.role]
    residue = RESIDUES[farm.role]
    area_ha = area * farm.size
    pool_id = pool if opts.machine_pool == "shared" else f"{pool}_{farm.fid}"
    stored = area_ha * yld * (window[0] - 1) / 365  # last harvest, sold until the next
    rate_map = ", ".join(f"{m}: {r}" for m, r in rates.items())
    out = [f"  # {line}" for line in _wrap(note)] if first else []
    out += [
        f"  {farm.fid}:",
        "    type: arable_farm",
        f"    fte: {_num(area_ha * fte_ha)}",
        f"    land_ha: {_num(area_ha)}",
        "    soil_inputs_kg_per_ha_yr: {N: {deposition: 20, fixation: 40}}",
        f"    {_at(farm.x_km, farm.y_km)}",
        f"    params: {{area_ha: {_num(area_ha)}, crop: {crop}, yield_t_per_ha: {_num(yld)}, "
        f"residue: {residue}, residue_t_per_ha: {_num(rest)}, harvest_window: [{window[0]}, {window[1]}], "
        f"fertiliser_rates_t_per_ha: {{{rate_map}}}, n_need_kg_per_ha: 0, "
        "fertilising_window: [47, 243]}",
        "    processes:",
        "      harvest:",
        f"        yield_balance: {residue}  # grain lost waiting for the machine stays with it",
        f"        machine: {{pool: {pool_id}, work_per_unit: {_num(work)} d, window: "
        f"[{window[0]}, {window[1]}], loss_per_day: {_num(loss)}, source: "
        '"assumption: ripe crops lost in the field per day the harvest is late"}',
    ]
    out += [f"      fertilise_{m}: {TO_SOIL}" for m in rates]
    rest_stored = area_ha * rest * (window[0] - 1) / 365
    out.append(
        f"    initial_stock: {{{crop}: {_num(stored)} t, {residue}: {_num(rest_stored)} t}}  "
        "# last harvest in store, to last until the next"
    )
    return out


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, width=92)


def _machine_pools(placed: list[Farm], opts: Options) -> list[str]:
    kinds = {
        "combine": ("combine_harvester", 1800, 400_000, "arable", FARMS_PER_COMBINE),
        "root_harvester": ("root_crop_harvester", 1500, 250_000, "vegetable",
                           FARMS_PER_ROOT_HARVESTER),
    }  # fmt: skip
    out = [
        "",
        "# cost per machine-day held (contractor rates, driver and fuel included), purchase price",
        "# and lifetime: assumptions (order of Dutch contractor and dealer figures)",
        "machine_pools:",
    ]
    for pool, (kind, per_day, capital, role, per_machine) in kinds.items():
        users = [f for f in placed if f.role == role]
        common = (
            f"kind: {kind}, cost_eur_per_day: {per_day}, capital_cost_eur: {capital}, "
            "lifetime_year: 12, speed: 25 km/h"
        )
        if opts.machine_pool == "shared":
            count = max(1, math.ceil(len(users) / per_machine))
            out.append(
                f"  {pool}: {{{common}, count: {count}, home: {{x_km: 0, y_km: 0}}, queue: "
                f'first_come, source: "assumption: one per {per_machine} farms, kept at the '
                'depot"}'
            )
        else:
            out += [
                f"  {pool}_{f.fid}: {{{common}, count: 1, home_firm: {f.fid}, source: "
                '"assumption: the farm owns its machine"}'
                for f in users
            ]
    return out


def _cooperative(placed: list[Farm], opts: Options) -> list[str]:
    if not opts.cooperative:
        return []
    members = ", ".join([f.fid for f in placed] + ["processor"])
    return [
        "",
        "# the cooperative (seed004: joint purchase and sales): the farms and the processor sell",
        "# vegetables and dairy products to the cities under a regional organic brand and buy",
        "# the dairy farms' protein feed jointly (daily volume tiers); premium, discounts, staff, handling and the province's start-up",
        "# subsidy for the first half year are assumptions",
        "cooperative:",
        f"  members: [{members}]",
        "  purchases:",
        "    protein_feed: {tiers: [{from_volume: 0.2 t, discount: 0.03}, {from_volume: 0.5 t, "
        "discount: 0.05}]}",
        "  sales: {vegetables: {premium: 0.10}, dairy_products: {premium: 0.08}}",
        f"  buyers: [{', '.join(c[0] for c in CITIES)}]",
        "  costs:",
        "    staff_eur_per_day: 250 EUR/d  # assumption: a coordinator and a sales person",
        "    handling_eur_per_t: 4 EUR/t  # assumption: grading, packing, invoicing",
        "    fee: per_member",
        "    subsidy: {eur_per_day: 150 EUR/d, start_day: 0, end_day: 182}",
    ]


def _fleets(opts: Options) -> list[str]:
    if not opts.fleet:
        return []
    return [
        "",
        "# shared logistics (seed004): lorries and slurry tankers based at the depot collect the",
        "# day's lots in tours (docs/fleets.md); costs and CO2e per vehicle-km: assumptions (a",
        "# rigid lorry ~30 L diesel per 100 km loaded x ~2.7 kg CO2 per L; a tractor with tanker",
        "# somewhat more)",
        "fleets:",
        "  lorry: {depot: processor, count: 2, capacity_t: 18 t, cost_per_trip: 30 EUR, "
        "cost_per_km: 1.2 EUR/km, co2e_loaded: 0.85 kg CO2e/km, co2e_empty: 0.65 kg CO2e/km, "
        "working_time: 10 h, stop_time: 15 min, materials: [wheat, straw, vegetables, "
        "dairy_products, raw_milk, compost, food_waste]}",
        "  slurry_tanker: {depot: processor, count: 2, capacity_t: 25 t, cost_per_trip: 20 EUR, "
        "cost_per_km: 1.5 EUR/km, co2e_loaded: 1.0 kg CO2e/km, co2e_empty: 0.8 kg CO2e/km, "
        "speed: 30 km/h, working_time: 10 h, stop_time: 20 min, materials: [cattle_manure]}",
    ]


def _rules(placed: list[Farm]) -> list[str]:
    return [
        "",
        "# the organic rule: no mineral nitrogen fertiliser on the farms (eu2018_848); checked",
        "# after the run (rule_breach_t). No farm has a mineral top-up (n_need_kg_per_ha: 0)",
        "rules:",
        "  organic_no_mineral_n:",
        "    forbid: [mineral_fertiliser]",
        f"    firms: [{', '.join(f.fid for f in placed)}]",
        '    source: "Regulation (EU) 2018/848, Annex II Part I 1.9.3"',
    ]


#: Values outside the conventional Dutch ranges of data/published/plausibility.csv that the
#: generated cluster keeps, and why (scenarios/README.md shows them; tests/test_plausibility.py
#: fails on an outside value without one).
PLAUSIBILITY = {
    "crop_yield_t_per_ha.wheat": "organic winter wheat, 5.5 t/ha (assumption: ~60 % of the "
    "conventional 9 t/ha the CBS range holds), less what waiting for the shared combine costs",
    "milk_t_per_cow_year.raw_milk": "organic cows on a grass-rich ration, 19.2 kg a day = 7.0 t "
    "a year (assumption), below the conventional CBS average the range holds",
    "household_food_waste_kg_per_person_year.city": "the cities buy only the cluster's "
    "vegetables and dairy products, a part of their diet: their food waste per inhabitant is "
    "that part's, not the whole diet's",
    "food_eaten_n_g_per_person_day.city": "the cities eat only the cluster's products here, a "
    "part of their diet: the N per inhabitant is that part's, not the whole intake",
    "fte_per_ha.arable_farm": "the type holds the vegetable farms too, at 5 ha per FTE (hand "
    "weeding and grading, assumption); the arable farms alone keep default.yaml's 29 ha per FTE",
}


def _plausibility() -> list[str]:
    """The ``plausibility:`` section: :data:`PLAUSIBILITY`, one key a line."""
    lines = ["", "# outside the published (conventional Dutch) ranges, kept (docs/plausibility.md)"]
    lines.append("plausibility:")
    lines += [f"  {key}: {json.dumps(why)}" for key, why in PLAUSIBILITY.items()]
    return lines


def _export_limits(placed: list[Farm]) -> dict[str, float]:
    """Tonnes a day the outside market takes of each crop: the cluster's yearly surplus, evenly.

    What the farms grow less what the cluster itself uses (dairy feed, the composter's
    straw, the cities' diet), over 365 days, at least 0.1 t a day.
    """
    grown = {"wheat": 0.0, "straw": 0.0, "vegetables": 0.0}
    for farm in placed:
        if farm.role == "dairy":
            cows = _dairy_cows(farm)
            for m in ("wheat", "straw"):
                grown[m] -= cows * FEED_KG_PER_COW_DAY[m] / 1000 * 365
            continue
        crop, area, yld, rest = CROPPING[farm.role][:4]
        grown[crop] += area * farm.size * yld
        if RESIDUES[farm.role] == "straw":
            grown["straw"] += area * farm.size * rest
    grown["straw"] -= COMPOSTER_STRAW_T_DAY * 365
    grown["vegetables"] -= (
        sum(c[3] for c in CITIES) * DIET_KG_PER_PERSON_DAY["vegetables"] / 1000 * 365
    )
    return {crop: max(0.1, total / 365) for crop, total in grown.items()}


def _network_and_boundary(limits: dict[str, float]) -> list[str]:
    return [
        "",
        "network:",
        "  detour_factor: 1.3  # default.yaml's assumption: road km / crow-flight km",
        "  modes:",
        "    truck: {cost: 0.12 EUR/tkm, co2e: 0.1 kg CO2e/tkm, speed: 50 km/h}  # default.yaml's "
        "assumption (a lot alone)",
        "",
        "boundary:",
        "  # no manure comes in from outside: the cluster's own is all the farms spread",
        "  imports:",
        "    water: {}",
        "    wheat: {price: 400 EUR/t, co2e: 0.4 t CO2e/t}  # assumption: organic feed wheat bought "
        "in",
        "    protein_feed: {co2e: 0.5 t CO2e/t}  # assumption (rapeseed cake, no land-use change)",
        "    straw: {price: 90 EUR/t}  # assumption",
        "    vegetables: {price: 800 EUR/t, co2e: 0.3 t CO2e/t}  # assumption",
        "    dairy_products: {price: 1600 EUR/t, co2e: 1.5 t CO2e/t}  # assumption",
        "  # the farms sell outside what the cluster does not use, at most its yearly surplus",
        "  # spread over the year (assumption: wholesalers' standing orders; the harvest is",
        "  # stored and sold evenly)",
        "  exports:",
        *[f"    {crop}: {{limit: {_num(limit)} t/d}}" for crop, limit in limits.items()],
        "    dairy_products: {}",
        "    raw_milk: {}",
        "    whey: {price: 10 EUR/t}  # assumption: pig feed",
        "    compost: {}",
        "  disposal:",
        "    manure_processing: {gate_fee: 15 EUR/t}  # assumption: Dutch manure disposal fee",
        "    incineration: {gate_fee: 100 EUR/t}  # assumption",
        "    landfill: {gate_fee: 100 EUR/t}  # assumption",
        "    dissipation: {}",
    ]
