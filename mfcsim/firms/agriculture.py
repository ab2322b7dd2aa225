"""Primary production: arable farms, greenhouses, dairy farms and pig farms.

Every recipe closes its mass balance by construction: what a crop or an animal takes from
the environment or gives back to it (uptake, transpiration, respiration, oxygen, methane)
is declared in ``from_environment`` / ``to_environment`` with material ids that are
parameters. Each coefficient is either cited (file + row of ``../shared/data``) or marked
as an assumption in the parameter's description.

Sourced coefficients (``../shared/data/agrifood_symbiosis_flows.csv``):

- greenhouse heat: WarmCO2 W01 (1,800 TJ/yr residual heat demand at full build-out) over
  W07 (~150 ha net glass): 1,800 TJ / 150 ha = 12 TJ/ha/yr = 3,333 MWh/ha/yr (derived).
- greenhouse CO2: WarmCO2 W02 (55,000 t CO2/yr) over W07 (150 ha) = 366.7 t/ha/yr (derived).

Fertilising (arable land and grassland): organic fertilisers on hand (digestate, manure,
compost) are spread first, during a spring window, at up to a rate per hectare; mineral
fertiliser tops up each day's nitrogen need that the organic fertilisers spread that day do
not cover. The nitrogen of an organic fertiliser is its material's ``composition: {N: ...}``
times ``organic_n_availability``; a material without an N fraction is spread but counts for
no nitrogen.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, ClassVar

from mfcsim.errors import FirmHookError
from mfcsim.firms.base import REQUIRED, Firm, Param

if TYPE_CHECKING:
    from mfcsim.firms.base import Process

#: Days per month of a 365-day year (monthly profiles are weighted by them).
DAYS_PER_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
#: Mass ratios of photosynthesis CO2 + H2O -> CH2O + O2 per t of dry organic matter (CH2O):
#: molar masses 44, 18, 30 and 32 g/mol (physical constants).
CO2_PER_DM, H2O_PER_DM, O2_PER_DM = 44.0 / 30.0, 18.0 / 30.0, 32.0 / 30.0

# WarmCO2 (agrifood_symbiosis_flows.csv): W01 heat 1,800 TJ/yr and W02 55,000 t CO2/yr for
# W07 ~150 ha net glass area. 1 TJ = 277.78 MWh.
WARMCO2_HA = 150.0
GREENHOUSE_HEAT_MWH_PER_HA_YR = 1800.0 * 1e6 / 3600.0 / WARMCO2_HA  # 3,333 MWh/ha/yr (W01/W07)
GREENHOUSE_CO2_T_PER_HA_YR = 55000.0 / WARMCO2_HA  # 366.7 t/ha/yr (W02/W07)

#: Relative heat demand per month of a Dutch glasshouse, Jan..Dec (assumption: a winter-heavy
#: profile, about 4x more heat in Dec-Jan than in Jul; normalised to a mean of 1).
HEAT_MONTHLY = (1.7, 1.5, 1.3, 0.9, 0.6, 0.4, 0.35, 0.4, 0.6, 1.0, 1.4, 1.7)
#: Relative harvest per month of an unlit tomato crop planted in December, Jan..Dec
#: (assumption: first fruit in March, peak May-Aug, crop cleared in December).
HARVEST_MONTHLY = (0.2, 0.5, 0.9, 1.2, 1.3, 1.3, 1.3, 1.3, 1.2, 1.0, 0.7, 0.2)


def window_days(window: tuple[int, int] | list[int]) -> int:
    """Number of days in a day-of-year window ``[first, last]`` of a 365-day year."""
    first, last = int(window[0]), int(window[1])
    if not (1 <= first <= 366 and 1 <= last <= 366):
        raise ValueError(f"window {list(window)} is not two days of the year (1-366)")
    return last - first + 1 if first <= last else 365 - first + 1 + last


def normalised_monthly(profile: tuple[float, ...] | list[float], name: str) -> list[float]:
    """Scale 12 monthly factors so that their day-weighted mean over a year is 1.

    Raises:
        ValueError: If ``profile`` is not 12 non-negative numbers with a positive sum.
    """
    values = [float(v) for v in profile]
    if len(values) != 12 or any(v < 0 for v in values) or sum(values) <= 0:
        raise ValueError(f"{name} must be 12 non-negative monthly factors, not all 0")
    mean = sum(v * d for v, d in zip(values, DAYS_PER_MONTH, strict=True)) / 365.0
    return [v / mean for v in values]


def _positive(params: dict[str, Any], *names: str) -> None:
    for name in names:
        value = float(params[name])
        if not value >= 0 or math.isinf(value):
            raise ValueError(f"parameter {name!r} must be a finite number >= 0, not {value!r}")


# ---- fertilising (shared by arable farms and dairy farms' grassland) -------------------------
def fertilising_parameters(window: tuple[int, int], area_param: str) -> dict[str, Param]:
    """The parameters of the optional fertilising processes (spread on ``area_param`` ha)."""
    return {
        "fertiliser_rates_t_per_ha": Param(
            {},
            "organic fertiliser material -> largest yearly rate spread, t per ha per year "
            f"(on {area_param}); each gets a fertilise_<material> process; {{}} = none",
        ),
        "n_need_kg_per_ha": Param(
            0.0,
            "kg N per ha per year the land needs; mineral fertiliser covers what the organic "
            "fertilisers spread each day do not (0 = no mineral fertiliser process)",
        ),
        "mineral_fertiliser": Param("mineral_fertiliser", "material id of mineral fertiliser (t)"),
        "mineral_n_share": Param(
            0.27,
            "N mass fraction of the mineral fertiliser (0-1); assumption: calcium ammonium "
            "nitrate, 27 % N",
        ),
        "organic_n_availability": Param(
            0.6,
            "share of an organic fertiliser's N that counts against the need (0-1); "
            "assumption: order of the Dutch N efficiency coefficients of slurry and digestate",
        ),
        "fertilising_window": Param(
            list(window), "[first, last] day of year when fertiliser may be spread"
        ),
        "applied": Param(
            "applied_to_soil",
            "material id of fertiliser worked into the soil (t; give it sink: soil)",
        ),
    }


def fertilising_processes(params: dict[str, Any], area_ha: float) -> dict[str, Any]:
    """``fertilise_<material>`` processes: organic ones first, mineral last (1 t spread each).

    Capacities spread the yearly amount evenly over the window: an organic fertiliser's rate
    × area, and for the mineral fertiliser the whole N need (the planning hook lowers it by
    the organic N spread on the day).
    """
    rates = params["fertiliser_rates_t_per_ha"]
    need = float(params["n_need_kg_per_ha"])
    if not rates and need <= 0:
        return {}
    window = params["fertilising_window"]
    days = window_days(window)
    n_share = float(params["mineral_n_share"])
    availability = float(params["organic_n_availability"])
    if not 0 < n_share <= 1:
        raise ValueError(f"mineral_n_share {n_share} is not in (0, 1]")
    if not 0 <= availability <= 1:
        raise ValueError(f"organic_n_availability {availability} is not between 0 and 1")
    if need < 0:
        raise ValueError(f"n_need_kg_per_ha {need} is negative")
    mineral = params["mineral_fertiliser"]
    if mineral in rates:
        raise ValueError(
            f"{mineral!r} is the mineral fertiliser; leave it out of fertiliser_rates_t_per_ha"
        )
    season = {"window": [int(window[0]), int(window[1])]}
    processes: dict[str, Any] = {}
    for material, rate in rates.items():
        if float(rate) < 0:
            raise ValueError(f"fertiliser rate of {material!r} is negative ({rate})")
        processes[f"fertilise_{material}"] = {
            "capacity": float(rate) * area_ha / days,
            "inputs": {material: 1.0},
            "to_environment": {params["applied"]: 1.0},
            "seasonality": season,
            "note": "organic fertiliser spread on the land when on hand (t per t)",
        }
    if need > 0:
        processes[f"fertilise_{mineral}"] = {
            "capacity": need * area_ha / 1000.0 / n_share / days,
            "inputs": {mineral: 1.0},
            "to_environment": {params["applied"]: 1.0},
            "seasonality": season,
            "note": "mineral fertiliser: the day's N need not covered by organic fertilisers",
        }
    return processes


class _Fertilising(Firm):
    """Planning of the fertilise_<material> processes (a base for farm types, not a type)."""

    def setup(self) -> None:
        """Find the fertilising processes and the N content of each organic fertiliser."""
        params = self.params
        materials = self.sim.scenario.materials
        self._organic: dict[str, tuple[int, float]] = {}
        self._mineral_id = f"fertilise_{params['mineral_fertiliser']}"
        availability = float(params["organic_n_availability"])
        for material in params["fertiliser_rates_t_per_ha"]:
            if material not in materials:
                raise FirmHookError(self.id, "setup", f"unknown fertiliser material {material!r}")
            n_kg_per_t = 1000.0 * materials[material].composition.get("N", 0.0) * availability
            self._organic[f"fertilise_{material}"] = (
                self.sim.material_index[material],
                n_kg_per_t,
            )
        self._by_id = {p.id: p for p in self.processes}
        self._n_share = float(params["mineral_n_share"])

    def _expected(self, day: int, process: Process, m: int) -> float:
        """Tonnes of organic fertiliser ``m`` the process will spread on ``day``."""
        plan = process.capacity * float(process.season[day])
        if self.spec.imports and self.sim.market.importable(m):
            return plan
        return min(plan, self.available(m))

    def planned_activity(self, day: int, process: Process) -> float:
        """Organic fertilisers: their rate in the window; mineral: the N still lacking."""
        if process.id in self._organic:
            return process.capacity * float(process.season[day])
        if process.id != self._mineral_id or process.id not in self._by_id:
            return super().planned_activity(day, process)
        season = float(process.season[day])
        if season <= 0.0:
            return 0.0
        organic_n_kg = 0.0
        for pid, (m, n_kg_per_t) in self._organic.items():
            proc = self._by_id.get(pid)
            if proc is not None and n_kg_per_t > 0.0:
                organic_n_kg += self._expected(day, proc, m) * n_kg_per_t
        need_t = process.capacity * season
        return max(0.0, need_t - organic_n_kg / (1000.0 * self._n_share))


# ---- arable farm -----------------------------------------------------------------------------
class ArableFarm(_Fertilising, type_name="arable_farm"):
    """An arable farm: one crop harvested in a window, optionally fertilised in spring.

    Process ``harvest`` (activity unit: one hectare harvested) runs only in
    ``harvest_window``; its capacity spreads the area evenly over the window. The harvested
    crop and crop residue grow from the environment (CO2, water and nutrients taken up,
    material ``uptake``). Optional ``fertilise_<material>`` processes spread organic and
    mineral fertiliser in ``fertilising_window`` (see the module docstring).
    """

    PARAMETERS: ClassVar[dict[str, Param] | None] = {
        "area_ha": Param(REQUIRED, "cropped area, ha"),
        "crop": Param("wheat", "material id of the harvested crop (t)"),
        "yield_t_per_ha": Param(
            9.0, "t crop (fresh) per ha; assumption: Dutch winter wheat is about 9 t/ha"
        ),
        "residue": Param("straw", "material id of the crop residue taken off the field (t)"),
        "residue_t_per_ha": Param(
            0.0, "t crop residue taken off the field per ha (0: left on the field)"
        ),
        "residue_storage_t": Param(
            None,
            "t of crop residue the farm can store (default: one whole harvest of it)",
        ),
        "harvest_window": Param(
            [201, 232],
            "[first, last] day of year of the harvest; assumption: wheat, 20 Jul - 20 Aug",
        ),
        "uptake": Param(
            "crop_uptake",
            "material id of what the crop takes from air and soil (CO2, water, nutrients; t)",
        ),
        **fertilising_parameters((46, 135), "area_ha"),
    }

    @classmethod
    def default_spec(cls, params: dict[str, Any]) -> dict[str, Any]:
        """``harvest`` in the harvest window, plus the optional fertilising processes."""
        _positive(params, "area_ha", "yield_t_per_ha", "residue_t_per_ha")
        area = float(params["area_ha"])
        crop_t, residue_t = float(params["yield_t_per_ha"]), float(params["residue_t_per_ha"])
        window = params["harvest_window"]
        days = window_days(window)
        outputs = {params["crop"]: crop_t}
        if residue_t > 0:
            if params["residue"] == params["crop"]:
                raise ValueError("residue and crop must be different materials")
            outputs[params["residue"]] = residue_t
        processes: dict[str, Any] = {
            "harvest": {
                "capacity": area / days,
                "from_environment": {params["uptake"]: crop_t + residue_t},
                "outputs": outputs,
                "seasonality": {"window": [int(window[0]), int(window[1])]},
                "note": "per ha harvested; crop and residue grown from the environment",
            }
        }
        processes.update(fertilising_processes(params, area))
        spec: dict[str, Any] = {"processes": processes}
        if residue_t > 0:
            store = params["residue_storage_t"]
            spec["storage"] = {
                params["residue"]: residue_t * area if store is None else float(store)
            }
        return spec


# ---- greenhouse ------------------------------------------------------------------------------
class Greenhouse(Firm, type_name="greenhouse"):
    """A heated glasshouse growing one crop, per hectare of glass.

    Two processes, activity unit one hectare-day:

    - ``heating`` takes heat (MWh) and loses it to the air (``heat_loss``), following
      ``heat_monthly``; the yearly total is ``heat_mwh_per_ha_year``.
    - ``grow`` takes CO2, water and fertiliser and yields crop and green waste, following
      ``harvest_monthly``. Photosynthesis (CO2 + H2O -> CH2O + O2) fixes the organic dry
      matter of crop and green waste; the CO2 not fixed is vented, the water not fixed or
      held in the biomass transpires, the oxygen is released. Fertiliser mass ends up in
      the dry matter (as minerals), so the recipe closes exactly.

    A small buffer of heat and CO2 (``buffer_days`` of the average need) may be stored.
    """

    PARAMETERS: ClassVar[dict[str, Param] | None] = {
        "area_ha": Param(REQUIRED, "net glass area, ha"),
        "crop": Param("tomatoes", "material id of the crop (t)"),
        "crop_t_per_ha_year": Param(
            500.0, "t crop per ha per year; assumption: Dutch glasshouse tomatoes ~50 kg/m2"
        ),
        "green_waste": Param("green_waste", "material id of leaves, stems, rejects (t)"),
        "green_waste_t_per_t_crop": Param(
            0.1, "t green waste per t crop; assumption (leaf pruning and crop clearing)"
        ),
        "dry_matter_share": Param(
            0.06, "dry-matter share of crop and green waste (0-1); assumption: tomato ~6 %"
        ),
        "heat_mwh_per_ha_year": Param(
            GREENHOUSE_HEAT_MWH_PER_HA_YR,
            "MWh heat per ha per year; default 3,333 = 1,800 TJ / 150 ha "
            "(agrifood_symbiosis_flows.csv WarmCO2 W01 / W07)",
        ),
        "co2_t_per_ha_year": Param(
            GREENHOUSE_CO2_T_PER_HA_YR,
            "t CO2 dosed per ha per year; default 366.7 = 55,000 t / 150 ha "
            "(agrifood_symbiosis_flows.csv WarmCO2 W02 / W07)",
        ),
        "water_t_per_ha_year": Param(
            11000.0, "t irrigation water per ha per year; assumption: ~1.1 m3 per m2 per year"
        ),
        "fertiliser_t_per_ha_year": Param(
            5.5, "t mineral fertiliser (nutrient salts) per ha per year; assumption"
        ),
        "heat_monthly": Param(list(HEAT_MONTHLY), "12 relative heat factors, Jan..Dec"),
        "harvest_monthly": Param(list(HARVEST_MONTHLY), "12 relative harvest factors, Jan..Dec"),
        "buffer_days": Param(1.0, "days of average heat and CO2 need that can be stored"),
        "heat": Param("heat", "material id of heat (MWh)"),
        "co2": Param("co2", "material id of CO2 for dosing (t)"),
        "water": Param("water", "material id of irrigation water (t)"),
        "fertiliser": Param("mineral_fertiliser", "material id of fertiliser (t)"),
        "heat_loss": Param("heat_loss", "material id of heat lost to the air (MWh)"),
        "vapour": Param("water_vapour", "material id of transpired water (t)"),
        "co2_vented": Param("co2_vented", "material id of CO2 vented unused (t)"),
        "oxygen": Param("oxygen", "material id of oxygen released by photosynthesis (t)"),
    }

    @classmethod
    def default_spec(cls, params: dict[str, Any]) -> dict[str, Any]:
        """``heating`` and ``grow`` per ha-day, with a heat and CO2 buffer."""
        _positive(
            params,
            "area_ha",
            "crop_t_per_ha_year",
            "green_waste_t_per_t_crop",
            "heat_mwh_per_ha_year",
            "co2_t_per_ha_year",
            "water_t_per_ha_year",
            "fertiliser_t_per_ha_year",
            "buffer_days",
        )
        area = float(params["area_ha"])
        dm = float(params["dry_matter_share"])
        if not 0 < dm < 1:
            raise ValueError(f"dry_matter_share {dm} is not between 0 and 1")
        per_day = 1.0 / 365.0
        crop = float(params["crop_t_per_ha_year"]) * per_day
        waste = crop * float(params["green_waste_t_per_t_crop"])
        heat = float(params["heat_mwh_per_ha_year"]) * per_day
        co2 = float(params["co2_t_per_ha_year"]) * per_day
        water = float(params["water_t_per_ha_year"]) * per_day
        fert = float(params["fertiliser_t_per_ha_year"]) * per_day
        biomass = crop + waste
        organic_dm = biomass * dm - fert
        if organic_dm < 0:
            raise ValueError(
                "fertiliser_t_per_ha_year exceeds the dry matter of crop and green waste "
                f"({biomass * dm * 365:.4g} t/ha/yr)"
            )
        co2_fixed, h2o_fixed = organic_dm * CO2_PER_DM, organic_dm * H2O_PER_DM
        vented = co2 - co2_fixed
        vapour = water - h2o_fixed - biomass * (1.0 - dm)
        if vented < 0:
            raise ValueError(
                f"co2_t_per_ha_year is below the CO2 the crop fixes ({co2_fixed * 365:.4g} t/ha/yr)"
            )
        if vapour < 0:
            raise ValueError(
                "water_t_per_ha_year is below the water held and fixed in the crop "
                f"({(h2o_fixed + biomass * (1 - dm)) * 365:.4g} t/ha/yr)"
            )
        grow_in = {params["co2"]: co2, params["water"]: water}
        if fert > 0:
            grow_in[params["fertiliser"]] = fert
        outputs = {params["crop"]: crop}
        if waste > 0:
            outputs[params["green_waste"]] = waste
        buffer = float(params["buffer_days"])
        return {
            "processes": {
                "heating": {
                    "capacity": area,
                    "inputs": {params["heat"]: heat},
                    "to_environment": {params["heat_loss"]: heat},
                    "seasonality": {
                        "monthly": normalised_monthly(params["heat_monthly"], "heat_monthly")
                    },
                    "note": "heat per ha-day: WarmCO2 W01/W07 (agrifood_symbiosis_flows.csv)",
                },
                "grow": {
                    "capacity": area,
                    "inputs": grow_in,
                    "outputs": outputs,
                    "to_environment": {
                        params["vapour"]: vapour,
                        params["co2_vented"]: vented,
                        params["oxygen"]: organic_dm * O2_PER_DM,
                    },
                    "seasonality": {
                        "monthly": normalised_monthly(params["harvest_monthly"], "harvest_monthly")
                    },
                    "note": "per ha-day; CO2 dose WarmCO2 W02/W07; photosynthesis closes mass",
                },
            },
            "storage": {
                params["heat"]: heat * area * buffer,
                params["co2"]: co2 * area * buffer,
            },
        }


# ---- livestock -------------------------------------------------------------------------------
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


class DairyFarm(_Fertilising, type_name="dairy_farm"):
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
        _positive(params, "cows", "grassland_ha")
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
        _positive(params, "pigs")
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
