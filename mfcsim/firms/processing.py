"""Food and feed processing and distribution: food processor, brewery, feed mill, retailer.

Sourced coefficients (``data/published/conversion_coefficients.csv``, category ``brewery``):

- C10 (Mussatto et al. 2006): brewer's spent grain (BSG) is 85 % of a brewery's by-products.
- C11 (PMC7502439): 100-130 kg fresh BSG per 100 kg malt; we take the midpoint, 1.15.
- C12 (Mussatto 2006 as quoted): about 20 kg wet BSG per hL of beer (derived, ±30 %).
- C13 (Głowacki et al. 2022): BSG moisture 77-80 % (wet basis); we take 78 %.
- C14 (Fermentation 2020, 6(3):82): 10 L water per L beer, ~7 L of it wastewater; 2.2-3.3
  hL/hL in large breweries; we take 3.3 hL/hL as the default.

Everything else is an assumption, said so in the parameter's description.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from mfcsim.firms.base import REQUIRED, Firm, Param

#: Ethanol density (t/m3) and the mass of CO2 per mass of ethanol in alcoholic fermentation
#: C6H12O6 -> 2 C2H5OH + 2 CO2 (44/46; physical constants).
ETHANOL_T_PER_M3 = 0.789
CO2_PER_ETHANOL = 44.0 / 46.0
#: Moisture (wet basis) of feed ingredients. BSG: conversion_coefficients.csv C13 (77-80 %,
#: we take 78 %); the others are assumptions (stored grain ~14 %, meals and bran ~12-13 %).
MOISTURE = {
    "brewers_spent_grain": 0.78,
    "wheat": 0.14,
    "maize": 0.14,
    "barley": 0.14,
    "soy_meal": 0.12,
    "rapeseed_meal": 0.12,
    "wheat_bran": 0.13,
}


def _check_fraction(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} {value} is not between 0 and 1")
    return value


def _check_nonneg(name: str, value: Any) -> float:
    value = float(value)
    if not value >= 0 or math.isinf(value):
        raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")
    return value


class FoodProcessor(Firm, type_name="food_processor"):
    """Turns one raw material into a product and a processing residue (per t of raw material).

    What neither becomes product nor residue (water evaporated in frying or baking, water
    to the sewer, ...) leaves as ``loss`` to the environment; ``extra_inputs`` (water, salt,
    ...) count on the input side. The yields are scenario parameters (assumptions unless the
    scenario cites a source).
    """

    PARAMETERS: ClassVar[dict[str, Param] | None] = {
        "capacity_t_per_day": Param(REQUIRED, "t raw material per day"),
        "raw": Param(REQUIRED, "material id of the raw material (t)"),
        "product": Param(REQUIRED, "material id of the product (t)"),
        "product_yield": Param(REQUIRED, "t product per t raw material"),
        "residue": Param("processing_residue", "material id of the processing residue (t)"),
        "residue_yield": Param(0.0, "t residue per t raw material"),
        "extra_inputs": Param({}, "other input material -> t per t raw material (e.g. water)"),
        "loss": Param(
            "process_losses",
            "material id of what leaves to the environment (vapour, wastewater; t)",
        ),
    }

    @classmethod
    def default_spec(cls, params: dict[str, Any]) -> dict[str, Any]:
        """One ``process`` per t raw material; the loss closes the mass balance."""
        capacity = _check_nonneg("capacity_t_per_day", params["capacity_t_per_day"])
        product_yield = _check_nonneg("product_yield", params["product_yield"])
        residue_yield = _check_nonneg("residue_yield", params["residue_yield"])
        extra = {
            m: _check_nonneg(f"extra_inputs.{m}", q) for m, q in params["extra_inputs"].items()
        }
        names = [params["raw"], params["product"], params["loss"], *extra]
        if residue_yield > 0:
            names.append(params["residue"])
        if len(set(names)) != len(names):
            raise ValueError(f"raw, product, residue, loss and extra inputs must differ: {names}")
        loss = 1.0 + sum(extra.values()) - product_yield - residue_yield
        if loss < -1e-12:
            raise ValueError(
                f"product_yield + residue_yield exceed the inputs by {-loss:.4g} t per t raw "
                "material (accepted: yields that sum to at most 1 + extra_inputs)"
            )
        outputs = {params["product"]: product_yield}
        if residue_yield > 0:
            outputs[params["residue"]] = residue_yield
        process: dict[str, Any] = {
            "capacity": capacity,
            "inputs": {params["raw"]: 1.0, **extra},
            "outputs": outputs,
            "note": "per t raw material; loss = inputs - product - residue",
        }
        if loss > 0:
            process["to_environment"] = {params["loss"]: loss}
        return {"processes": {"process": process}}


class Brewery(Firm, type_name="brewery"):
    """Brews beer from malt and water, per hL of beer.

    Per hL: BSG ``bsg_kg_per_hl`` (C12), malt = BSG / ``bsg_per_malt`` (C11), other
    by-products (yeast, trub) = BSG × (1 − share) / share with the BSG share of by-products
    (C10), water ``water_hl_per_hl`` (C14), fermentation CO2 from the ethanol of ``abv``
    (stoichiometry). Wastewater is the balance; with the defaults it is 66 % of the water
    taken in, close to C14's "~7 L of 10 L ends up as wastewater".
    """

    PARAMETERS: ClassVar[dict[str, Param] | None] = {
        "capacity_hl_per_day": Param(REQUIRED, "hL beer per day"),
        "bsg_kg_per_hl": Param(
            20.0, "kg wet BSG per hL beer (conversion_coefficients.csv C12, derived)"
        ),
        "bsg_per_malt": Param(
            1.15, "t wet BSG per t malt (conversion_coefficients.csv C11: 1.00-1.30)"
        ),
        "bsg_share_of_byproducts": Param(
            0.85, "BSG share of all brewery by-products (conversion_coefficients.csv C10)"
        ),
        "water_hl_per_hl": Param(
            3.3,
            "hL water per hL beer (conversion_coefficients.csv C14: 2.2-3.3 in large "
            "breweries, ~10 typical)",
        ),
        "abv": Param(0.05, "alcohol by volume of the beer (0-1); assumption: a 5 % lager"),
        "beer_density_t_per_m3": Param(1.01, "t per m3 of beer; assumption"),
        "malt": Param("malt", "material id of malt (t)"),
        "water": Param("water", "material id of brewing water (t)"),
        "beer": Param("beer", "material id of beer (t)"),
        "bsg": Param("brewers_spent_grain", "material id of wet BSG (t)"),
        "other_byproducts": Param(
            "brewers_yeast", "material id of spent yeast and trub (t; 0 if share is 1)"
        ),
        "wastewater": Param("wastewater", "material id of wastewater (t; give it sink: water)"),
        "co2": Param("fermentation_co2", "material id of fermentation CO2 released (t)"),
    }

    @classmethod
    def default_spec(cls, params: dict[str, Any]) -> dict[str, Any]:
        """One ``brew`` process per hL of beer."""
        capacity = _check_nonneg("capacity_hl_per_day", params["capacity_hl_per_day"])
        bsg = _check_nonneg("bsg_kg_per_hl", params["bsg_kg_per_hl"]) / 1000.0
        per_malt = float(params["bsg_per_malt"])
        share = _check_fraction("bsg_share_of_byproducts", params["bsg_share_of_byproducts"])
        abv = _check_fraction("abv", params["abv"])
        if per_malt <= 0 or share <= 0:
            raise ValueError("bsg_per_malt and bsg_share_of_byproducts must be > 0")
        density = float(params["beer_density_t_per_m3"])
        water = _check_nonneg("water_hl_per_hl", params["water_hl_per_hl"]) * 0.1  # t per hL
        beer = 0.1 * density
        malt = bsg / per_malt
        other = bsg * (1.0 - share) / share
        co2 = 0.1 * abv * ETHANOL_T_PER_M3 * CO2_PER_ETHANOL
        wastewater = malt + water - beer - bsg - other - co2
        if wastewater < 0:
            raise ValueError(
                f"water_hl_per_hl is too small to make beer: {-wastewater * 1000:.4g} kg per hL "
                "missing (accepted: more water, or less BSG)"
            )
        outputs = {params["beer"]: beer, params["bsg"]: bsg}
        if other > 0:
            outputs[params["other_byproducts"]] = other
        to_env = {params["wastewater"]: wastewater}
        if co2 > 0:
            to_env[params["co2"]] = co2
        return {
            "processes": {
                "brew": {
                    "capacity": capacity,
                    "inputs": {params["malt"]: malt, params["water"]: water},
                    "outputs": outputs,
                    "to_environment": to_env,
                    "note": "per hL beer: BSG C12, malt C11, by-products C10, water C14 "
                    "(conversion_coefficients.csv); CO2 from ethanol; wastewater = balance",
                }
            }
        }


class FeedMill(Firm, type_name="feed_mill"):
    """Mixes feed ingredients into compound feed: one ``mill_<ingredient>`` process each.

    Activity unit: one t of ingredient. An ingredient wetter than the feed is dried to the
    feed's moisture: the water leaves as vapour and the drying takes heat (per t of water
    evaporated); a drier one enters the feed as it is. ``capacity_t_per_day`` is shared out
    over the ingredients in proportion to ``ingredients``, so a missing residue (spent
    grain) stops only its own process.
    """

    PARAMETERS: ClassVar[dict[str, Param] | None] = {
        "capacity_t_per_day": Param(REQUIRED, "t ingredients per day"),
        "ingredients": Param(
            {"wheat": 0.6, "soy_meal": 0.25, "brewers_spent_grain": 0.15},
            "ingredient material -> share of capacity",
        ),
        "moisture": Param(
            {},
            "override ingredient material -> moisture (0-1, wet basis); defaults: "
            "brewers_spent_grain 0.78 (conversion_coefficients.csv C13), grains 0.14, "
            "meals 0.12, wheat_bran 0.13 (assumptions)",
        ),
        "feed_moisture": Param(0.12, "moisture of the compound feed (0-1); assumption"),
        "drying_heat_mwh_per_t_water": Param(
            0.9, "MWh heat per t water evaporated; assumption: ~3.2 GJ/t in a drum dryer"
        ),
        "feed": Param("compound_feed", "material id of compound feed (t)"),
        "vapour": Param("water_vapour", "material id of water evaporated (t)"),
        "heat": Param("heat", "material id of drying heat (MWh)"),
    }

    @classmethod
    def default_spec(cls, params: dict[str, Any]) -> dict[str, Any]:
        """One ``mill_<ingredient>`` process per ingredient, and a one-day heat buffer."""
        capacity = _check_nonneg("capacity_t_per_day", params["capacity_t_per_day"])
        shares = {m: _check_nonneg(f"ingredients.{m}", s) for m, s in params["ingredients"].items()}
        total = sum(shares.values())
        if total <= 0:
            raise ValueError("ingredients must have at least one share > 0")
        moisture = {**MOISTURE, **params["moisture"]}
        feed_moisture = _check_fraction("feed_moisture", params["feed_moisture"])
        if feed_moisture >= 1:
            raise ValueError("feed_moisture must be below 1")
        heat_per_t = _check_nonneg(
            "drying_heat_mwh_per_t_water", params["drying_heat_mwh_per_t_water"]
        )
        processes: dict[str, Any] = {}
        heat_per_day = 0.0
        for ingredient, share in shares.items():
            if ingredient not in moisture:
                raise ValueError(
                    f"no moisture for ingredient {ingredient!r}; give one in moisture "
                    f"(known: {', '.join(sorted(moisture))})"
                )
            if ingredient in (params["feed"], params["vapour"]):
                raise ValueError(f"ingredient {ingredient!r} is also the feed or vapour id")
            wet = _check_fraction(f"moisture.{ingredient}", moisture[ingredient])
            feed = 1.0 if wet <= feed_moisture else (1.0 - wet) / (1.0 - feed_moisture)
            water = 1.0 - feed
            cap = capacity * share / total
            process: dict[str, Any] = {
                "capacity": cap,
                "inputs": {ingredient: 1.0},
                "outputs": {params["feed"]: feed},
                "note": "per t ingredient, dried to the feed's moisture (BSG moisture C13)",
            }
            if water > 0:
                process["to_environment"] = {params["vapour"]: water}
                if heat_per_t > 0:
                    process["inputs"][params["heat"]] = water * heat_per_t
                    heat_per_day += cap * water * heat_per_t
            processes[f"mill_{ingredient}"] = process
        spec: dict[str, Any] = {"processes": processes}
        if heat_per_day > 0:
            spec["storage"] = {params["heat"]: heat_per_day}
        return spec


class Retailer(Firm, type_name="retailer"):
    """A distribution hub (supermarket distribution centre, wholesale market).

    It orders ``throughput_t_per_day`` of each material every day (the firm's ``demand``:
    regional supply first through the agent, imports for the rest) and passes them on by
    the scenario's contracts. A share spoils on the way: one ``spoil_<material>`` process
    per material turns it into food waste.
    """

    PARAMETERS: ClassVar[dict[str, Param] | None] = {
        "throughput_t_per_day": Param(REQUIRED, "material -> t handled per day"),
        "spoilage_share": Param(
            0.02,
            "share of what is handled that spoils (0-1); assumption: supermarket food waste "
            "is about 1-3 % of sales",
        ),
        "food_waste": Param("food_waste", "material id of spoiled food (t)"),
    }

    @classmethod
    def default_spec(cls, params: dict[str, Any]) -> dict[str, Any]:
        """Daily ``demand`` of the throughput, and one ``spoil_<material>`` process each."""
        share = _check_fraction("spoilage_share", params["spoilage_share"])
        throughput = {
            m: _check_nonneg(f"throughput_t_per_day.{m}", q)
            for m, q in params["throughput_t_per_day"].items()
        }
        if params["food_waste"] in throughput:
            raise ValueError("food_waste cannot be one of the materials handled")
        processes = {}
        if share > 0:
            for m, q in throughput.items():
                processes[f"spoil_{m}"] = {
                    "capacity": q * share,
                    "inputs": {m: 1.0},
                    "outputs": {params["food_waste"]: 1.0},
                    "note": "spoilage: t food waste per t spoiled",
                }
        return {"demand": throughput, "processes": processes}
