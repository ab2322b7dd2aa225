"""Crop farms: arable farms and greenhouses.

Every recipe closes its mass balance by construction: what a crop takes from the environment
or gives back to it (uptake, transpiration, vented CO2, oxygen) is declared in
``from_environment`` / ``to_environment`` with material ids that are parameters. Each
coefficient is either cited (file + row of ``data/published``) or marked as an assumption in
the parameter's description.

Sourced coefficients (``data/published/agrifood_symbiosis_flows.csv``):

- greenhouse heat: WarmCO2 W01 (1,800 TJ/yr residual heat demand at full build-out) over
  W07 (~150 ha net glass): 1,800 TJ / 150 ha = 12 TJ/ha/yr = 3,333 MWh/ha/yr (derived).
- greenhouse CO2: WarmCO2 W02 (55,000 t CO2/yr) over W07 (150 ha) = 366.7 t/ha/yr (derived).

An arable farm's optional ``fertilise_<material>`` processes (organic fertiliser first,
mineral fertiliser for the nitrogen still lacking) are those of :mod:`mfcsim.firms.farming`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from mfcsim.firms.base import REQUIRED, Firm, Param
from mfcsim.firms.farming import (
    FertilisingFarm,
    check_non_negative,
    fertilising_parameters,
    fertilising_processes,
    window_days,
)

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


# ---- arable farm -----------------------------------------------------------------------------
class ArableFarm(FertilisingFarm, type_name="arable_farm"):
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
        check_non_negative(params, "area_ha", "yield_t_per_ha", "residue_t_per_ha")
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
        check_non_negative(
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
