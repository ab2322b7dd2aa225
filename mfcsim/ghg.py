"""Greenhouse gases: the GWP sets a scenario may choose, and what each declared gas counts.

A material that is a greenhouse gas declares it (``ghg: ch4_biogenic``, ...) with the IPCC
source category it is reported under (``ghg_category: agriculture``); its ``co2e`` per unit
then follows from the scenario's GWP set (``gwp: AR6-GWP100``), which the manifest records.
Biogenic CO2 counts 0 in CO2e (IPCC 2006 Guidelines: reported as a memo item, beside fossil
CO2, never in the total). ``co2e`` as a gas means a mixture already given in CO2e per unit.
"""

from __future__ import annotations

from typing import Literal

#: Gases a material may declare; ``co2e`` is a mixture given in CO2e by the material itself.
GhgGas = Literal["co2_fossil", "co2_biogenic", "ch4_fossil", "ch4_biogenic", "n2o", "co2e"]
#: IPCC source categories of releases (transport is the shipments' own category).
IpccCategory = Literal["energy", "process", "waste", "agriculture"]
GwpSet = Literal["AR6-GWP100", "AR5-GWP100"]

#: t CO2e per t of gas. AR6: IPCC AR6 WG1 (2021), ch. 7, Table 7.15 (CH4 fossil 29.8,
#: non-fossil 27.0; N2O 273). AR5: IPCC AR5 WG1 (2013), ch. 8, Table 8.7 (CH4 28, fossil
#: CH4 30, without climate-carbon feedbacks; N2O 265). CO2 is 1 by definition; biogenic CO2
#: is 0 in the inventory total.
GWP: dict[str, dict[str, float]] = {
    "AR6-GWP100": {
        "co2_fossil": 1.0,
        "co2_biogenic": 0.0,
        "ch4_fossil": 29.8,
        "ch4_biogenic": 27.0,
        "n2o": 273.0,
    },
    "AR5-GWP100": {
        "co2_fossil": 1.0,
        "co2_biogenic": 0.0,
        "ch4_fossil": 30.0,
        "ch4_biogenic": 28.0,
        "n2o": 265.0,
    },
}


def gwp_of(gwp_set: str, gas: str) -> float | None:
    """T CO2e per t of ``gas`` in ``gwp_set``; None for ``co2e`` (the material gives it)."""
    return GWP[gwp_set].get(gas)
