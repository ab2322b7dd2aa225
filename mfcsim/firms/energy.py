"""Energy from residues: anaerobic digester and combined heat and power (CHP).

Coefficients (cite: data/published/conversion_coefficients.csv):
- biogas yields per substrate: rows ``biogas_yield`` (FNR 2012 via energypedia, source C1):
  cattle slurry 25, pig slurry 28, poultry manure 140, maize silage 200, vegetable residues
  100 m3 biogas per t fresh matter; food & drink waste 30-145 m3/t (C3), of which we take
  the Danish plant's 200 m3/t for source-separated food waste (C5) only where stated.
- methane energy 9.97 kWh per m3 CH4 (row ``energy, methane energy content``, C1).
- digestate = substrate − biogas mass (row ``digestate``, C21; Banks 2011, C4: >90 %
  mass-balance closure), so the digester's recipe closes by construction.
Gas densities (0 °C, 1 atm): CH4 0.717 kg/m3, CO2 1.977 kg/m3 (physical constants).
"""

from __future__ import annotations

from typing import Any, ClassVar

from mfcsim.firms.base import REQUIRED, Firm, Param

CH4_KG_PER_M3 = 0.717
CO2_KG_PER_M3 = 1.977
CH4_KWH_PER_M3 = 9.97  # conversion_coefficients.csv: energy, methane energy content (C1)
#: m3 biogas per t fresh matter (conversion_coefficients.csv, biogas_yield rows, C1/C5).
BIOGAS_M3_PER_T = {
    "cattle_manure": 25.0,
    "pig_slurry": 28.0,
    "poultry_manure": 140.0,
    "maize_silage": 200.0,
    "vegetable_residues": 100.0,
    "green_waste": 100.0,
    "food_waste": 200.0,
}


def biogas_density_t_per_m3(ch4_share: float) -> float:
    """Density of biogas of ``ch4_share`` methane, the rest CO2 (t/m3)."""
    return (ch4_share * CH4_KG_PER_M3 + (1.0 - ch4_share) * CO2_KG_PER_M3) / 1000.0


class AnaerobicDigester(Firm, type_name="anaerobic_digester"):
    """Digests residues into biogas and digestate: one process per substrate.

    Activity unit: one tonne of substrate. ``capacity_t_per_day`` is shared out over the
    substrates in proportion to ``substrates`` (a mapping substrate → share).
    """

    PARAMETERS: ClassVar[dict[str, Param] | None] = {
        "capacity_t_per_day": Param(REQUIRED, "t of substrate per day"),
        "substrates": Param({"cattle_manure": 1.0}, "substrate material → share of capacity"),
        "yields_m3_per_t": Param({}, "override biogas m3 per t fresh matter per substrate"),
        "ch4_share": Param(0.6, "methane share of the biogas (C1: about 60 %)"),
        "biogas": Param("biogas", "material id of biogas (m3)"),
        "digestate": Param("digestate", "material id of digestate (t)"),
    }

    @classmethod
    def default_spec(cls, params: dict[str, Any]) -> dict[str, Any]:
        """One ``digest_<substrate>`` process per substrate, closing mass by construction."""
        yields = {**BIOGAS_M3_PER_T, **params["yields_m3_per_t"]}
        shares = params["substrates"]
        total = sum(shares.values())
        density = biogas_density_t_per_m3(float(params["ch4_share"]))
        processes = {}
        for substrate, share in shares.items():
            if substrate not in yields:
                raise ValueError(
                    f"no biogas yield for substrate {substrate!r}; give one in "
                    f"yields_m3_per_t (known: {', '.join(sorted(yields))})"
                )
            m3 = yields[substrate]
            processes[f"digest_{substrate}"] = {
                "capacity": float(params["capacity_t_per_day"]) * share / total,
                "inputs": {substrate: 1.0},
                "outputs": {params["biogas"]: m3, params["digestate"]: 1.0 - m3 * density},
                "note": "biogas yield: conversion_coefficients.csv biogas_yield (C1/C5); "
                "digestate = input - biogas mass (C21)",
            }
        return {"processes": processes, "storage": {params["biogas"]: 0.0}}


class CHP(Firm, type_name="chp"):
    """Burns biogas into electricity, heat and flue-gas CO2 (usable by greenhouses).

    Activity unit: one m3 of biogas. Combustion CH4 + 2 O2 → CO2 + 2 H2O: the oxygen comes
    from the air (``from_environment``) and the water leaves as vapour (``to_environment``),
    so the recipe closes its mass balance.
    """

    PARAMETERS: ClassVar[dict[str, Param] | None] = {
        "capacity_m3_per_day": Param(REQUIRED, "m3 biogas per day"),
        "electrical_efficiency": Param(0.40, "share of the methane energy made electricity"),
        "thermal_efficiency": Param(0.45, "share of the methane energy made useful heat"),
        "ch4_share": Param(0.6, "methane share of the biogas"),
        "biogas": Param("biogas", "material id of biogas (m3)"),
        "electricity": Param("electricity", "material id (MWh)"),
        "heat": Param("heat", "material id (MWh)"),
        "co2": Param("co2", "material id of captured flue-gas CO2 (t)"),
        "oxygen": Param("oxygen", "material id of combustion oxygen from the air (t)"),
        "vapour": Param("water_vapour", "material id of water vapour to the air (t)"),
    }

    @classmethod
    def default_spec(cls, params: dict[str, Any]) -> dict[str, Any]:
        """One ``burn`` process per m3 of biogas, with stoichiometric O2, CO2 and H2O."""
        ch4 = float(params["ch4_share"])
        ch4_t = ch4 * CH4_KG_PER_M3 / 1000.0
        co2_in_biogas_t = (1.0 - ch4) * CO2_KG_PER_M3 / 1000.0
        energy_mwh = ch4 * CH4_KWH_PER_M3 / 1000.0
        return {
            "processes": {
                "burn": {
                    "capacity": float(params["capacity_m3_per_day"]),
                    "inputs": {params["biogas"]: 1.0},
                    "from_environment": {params["oxygen"]: ch4_t * 64.0 / 16.0},
                    "outputs": {
                        params["electricity"]: energy_mwh * float(params["electrical_efficiency"]),
                        params["heat"]: energy_mwh * float(params["thermal_efficiency"]),
                        params["co2"]: co2_in_biogas_t + ch4_t * 44.0 / 16.0,
                    },
                    "to_environment": {params["vapour"]: ch4_t * 36.0 / 16.0},
                    "note": "methane energy 9.97 kWh/m3 CH4 (conversion_coefficients.csv, C1); "
                    "CH4 + 2 O2 -> CO2 + 2 H2O",
                }
            },
        }
