"""Livestock farms: dairy farms and pig farms, per animal-day.

Every recipe closes its mass balance by construction: feed and drinking water go in;
products, manure and methane come out, and the rest is breathed out (``respiration``: CO2 and
water vapour, net of oxygen), declared in ``to_environment`` with material ids that are
parameters. Each coefficient is either cited (file + row of ``data/published``) or marked as
an assumption in the parameter's description.

A dairy farm may fertilise its grassland: see :mod:`mfcsim.firms.farming` for its optional
``fertilise_<material>`` processes.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from mfcsim.firms.base import REQUIRED, Firm, Param
from mfcsim.firms.farming import (
    FertilisingFarm,
    check_non_negative,
    fertilising_parameters,
    fertilising_processes,
)


def _animal_recipe(
    feed: dict[str, float], extra_in: dict[str, float], outputs: dict[str, float], what: str
) -> float:
    """Mass (t) breathed out per animal-day: all inputs minus all outputs, checked >= 0."""
    clash = set(feed) & set(extra_in) | set(feed) & set(outputs) | set(extra_in) & set(outputs)
    if clash:
        raise ValueError(f"material(s) {sorted(clash)} appear twice in the {what} recipe")
    for name, amount in {**feed, **extra_in, **outputs}.items():
        if amount < 0 or math.isinf(amount):
            raise ValueError(f"amount of {name!r} per {what} must be a finite number >= 0")
    balance = sum(feed.values()) + sum(extra_in.values()) - sum(outputs.values())
    if balance < -1e-12:
        raise ValueError(
            f"outputs per {what} exceed feed and water by {-balance * 1000:.4g} kg "
            "(accepted: feed + water >= products + manure + methane)"
        )
    return max(balance, 0.0)


class DairyFarm(FertilisingFarm, type_name="dairy_farm"):
    """A dairy farm, per cow-day: feed and water in; milk, manure, methane, breath out.

    Bought feed, homegrown roughage and drinking water go in; milk, cattle manure, enteric
    methane and respiration (CO2 + water vapour, the balance) come out. Homegrown
    roughage (grass and maize silage from the farm's own land) enters from the environment.
    Optional ``fertilise_<material>`` processes fertilise ``grassland_ha`` (digestate
    returned by a digester, for example; see the module docstring).
    """

    PARAMETERS: ClassVar[dict[str, Param] | None] = {
        "cows": Param(REQUIRED, "dairy cows"),
        "feed_kg_per_cow_day": Param(
            {"compound_feed": 6.0},
            "bought feed material -> kg per cow per day; assumption: ~2,200 kg concentrate "
            "per cow per year",
        ),
        "roughage_kg_per_cow_day": Param(
            45.0,
            "kg homegrown roughage (fresh, ~35 % dry matter) per cow per day; assumption",
        ),
        "water_kg_per_cow_day": Param(80.0, "kg drinking water per cow per day; assumption"),
        "milk_kg_per_cow_day": Param(
            24.0, "kg milk per cow per day; assumption: ~8,800 kg per cow per year"
        ),
        "manure_kg_per_cow_day": Param(
            65.0,
            "kg manure (slurry) per cow per day; assumption consistent with "
            "agrifood_symbiosis_flows.csv G01 (40,000 t/yr from 17 farms of ~100 cows)",
        ),
        "methane_kg_per_cow_day": Param(
            0.35, "kg enteric CH4 per cow per day; assumption: ~130 kg per cow per year"
        ),
        "grassland_ha": Param(0.0, "ha of grassland the fertilising processes serve"),
        "roughage": Param("homegrown_roughage", "material id of homegrown roughage (t)"),
        "water": Param("water", "material id of drinking water (t)"),
        "milk": Param("raw_milk", "material id of milk (t)"),
        "manure": Param("cattle_manure", "material id of cattle manure (t)"),
        "methane": Param("enteric_methane", "material id of enteric methane (t)"),
        "respiration": Param(
            "respiration", "material id of breath: CO2 and water vapour, net of O2 (t)"
        ),
        **fertilising_parameters((32, 243), "grassland_ha"),
    }

    @classmethod
    def default_spec(cls, params: dict[str, Any]) -> dict[str, Any]:
        """``keep_cows`` per cow-day, plus optional grassland fertilising."""
        check_non_negative(params, "cows", "grassland_ha")
        feed = {m: float(kg) / 1000.0 for m, kg in params["feed_kg_per_cow_day"].items()}
        water = float(params["water_kg_per_cow_day"]) / 1000.0
        roughage = float(params["roughage_kg_per_cow_day"]) / 1000.0
        outputs = {
            params["milk"]: float(params["milk_kg_per_cow_day"]) / 1000.0,
            params["manure"]: float(params["manure_kg_per_cow_day"]) / 1000.0,
        }
        methane = float(params["methane_kg_per_cow_day"]) / 1000.0
        breath = _animal_recipe(
            feed,
            {params["water"]: water, params["roughage"]: roughage},
            {**outputs, params["methane"]: methane},
            "cow-day",
        )
        inputs = {**feed, params["water"]: water}
        to_env = {params["respiration"]: breath}
        if methane > 0:
            to_env[params["methane"]] = methane
        processes: dict[str, Any] = {
            "keep_cows": {
                "capacity": float(params["cows"]),
                "inputs": inputs,
                "from_environment": {params["roughage"]: roughage} if roughage > 0 else {},
                "outputs": outputs,
                "to_environment": to_env,
                "note": "per cow-day; respiration = feed + water - milk - manure - methane",
            }
        }
        processes.update(fertilising_processes(params, float(params["grassland_ha"])))
        return {"processes": processes}


class PigFarm(Firm, type_name="pig_farm"):
    """A pig-fattening farm, per pig place and day: feed and water in; pigs and slurry out.

    Feed and drinking water go in; live weight gained (sold for slaughter), pig slurry and
    respiration (CO2 + water vapour, the balance) come out.
    """

    PARAMETERS: ClassVar[dict[str, Param] | None] = {
        "pigs": Param(REQUIRED, "fattening pig places"),
        "feed_kg_per_pig_day": Param(
            {"compound_feed": 2.4},
            "feed material -> kg per pig per day; assumption: ~2.4 kg at a feed conversion "
            "of ~3 kg feed per kg gain",
        ),
        "water_kg_per_pig_day": Param(6.0, "kg drinking water per pig per day; assumption"),
        "growth_kg_per_pig_day": Param(0.8, "kg live weight gained per pig per day; assumption"),
        "slurry_kg_per_pig_day": Param(
            3.2, "kg slurry per pig place per day; assumption: ~1.2 m3 per place per year"
        ),
        "water": Param("water", "material id of drinking water (t)"),
        "meat": Param("live_pigs", "material id of the live weight sold for slaughter (t)"),
        "slurry": Param("pig_slurry", "material id of pig slurry (t)"),
        "respiration": Param(
            "respiration", "material id of breath: CO2 and water vapour, net of O2 (t)"
        ),
    }

    @classmethod
    def default_spec(cls, params: dict[str, Any]) -> dict[str, Any]:
        """``keep_pigs`` per pig-day."""
        check_non_negative(params, "pigs")
        feed = {m: float(kg) / 1000.0 for m, kg in params["feed_kg_per_pig_day"].items()}
        water = float(params["water_kg_per_pig_day"]) / 1000.0
        outputs = {
            params["meat"]: float(params["growth_kg_per_pig_day"]) / 1000.0,
            params["slurry"]: float(params["slurry_kg_per_pig_day"]) / 1000.0,
        }
        breath = _animal_recipe(feed, {params["water"]: water}, outputs, "pig-day")
        return {
            "processes": {
                "keep_pigs": {
                    "capacity": float(params["pigs"]),
                    "inputs": {**feed, params["water"]: water},
                    "outputs": outputs,
                    "to_environment": {params["respiration"]: breath},
                    "note": "per pig-day; respiration = feed + water - growth - slurry",
                }
            }
        }
