"""Greenhouse-gas declarations of materials: checked, and their ``co2e`` set from the GWP set.

A material with ``ghg: <gas>`` (other than ``co2e``) gets ``co2e`` = GWP of the gas × its mass
per unit, from the scenario's ``gwp`` set (:mod:`mfcsim.ghg`); a ``co2e`` written beside it
must agree. ``ghg`` and ``ghg_category`` come together, and only on materials with mass.
"""

from __future__ import annotations

from typing import Any

from mfcsim.ghg import gwp_of
from mfcsim.scenario.schema_base import FieldProblem

#: Relative tolerance when a declared co2e is compared with the GWP set's.
CO2E_RTOL = 1e-9


def check_ghg(scn: Any) -> None:
    """Check every material's GHG declaration and set ``co2e`` from the GWP set.

    Raises:
        FieldProblem: At ``materials.<id>.ghg``, ``.ghg_category`` or ``.co2e``.
    """
    for mid, mat in list(scn.materials.items()):
        path = ("materials", mid)
        if (mat.ghg is None) != (mat.ghg_category is None):
            missing = "ghg_category" if mat.ghg_category is None else "ghg"
            raise FieldProblem(
                (*path, missing),
                f"missing: ghg and ghg_category are declared together (accepted: {missing} "
                "beside the other, or neither)",
            )
        if mat.ghg is None:
            continue
        if mat.mass_t_per_unit <= 0:
            raise FieldProblem(
                (*path, "ghg"), f"{mid!r} has no mass (accepted: ghg on a material in t or m3)"
            )
        gwp = gwp_of(scn.gwp, mat.ghg)
        if gwp is None:
            continue
        co2e = gwp * mat.mass_t_per_unit
        if mat.co2e != 0.0 and abs(mat.co2e - co2e) > CO2E_RTOL * max(abs(co2e), 1.0):
            raise FieldProblem(
                (*path, "co2e"),
                f"{mat.co2e:g} t CO2e per unit differs from {co2e:g} ({mat.ghg} in {scn.gwp}) "
                "(accepted: leave co2e out, or ghg: co2e for a mixture given in CO2e)",
            )
        scn.materials[mid] = mat.model_copy(update={"co2e": co2e})
