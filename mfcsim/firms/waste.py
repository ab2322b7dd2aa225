"""Residue treatment: the composter.

Sourced coefficient (``data/published/conversion_coefficients.csv``, category ``composting``):
C15 (Girón-Rojas et al. 2020, 17 Catalan plants 2010-2017): mean process mass losses of 68 %
of the input (CO2 and water vapour to the air). The source gives refuse (25 %) separately and
its base is not stated, so refuse is a parameter that defaults to 0.
"""

from __future__ import annotations

from typing import Any, ClassVar

from mfcsim.firms.base import REQUIRED, Firm, Param


class Composter(Firm, type_name="composter"):
    """Composts residues (green waste, food waste, straw) into compost, one process each.

    Activity unit: one t of substrate. Per t: ``mass_loss_share`` leaves to the air
    (``losses``: CO2 and water vapour), ``refuse_share`` is sieved out as refuse, the rest is
    compost. ``capacity_t_per_day`` is shared out over the substrates in proportion to
    ``substrates``.
    """

    PARAMETERS: ClassVar[dict[str, Param] | None] = {
        "capacity_t_per_day": Param(REQUIRED, "t substrate per day"),
        "substrates": Param({"green_waste": 1.0}, "substrate material -> share of capacity"),
        "mass_loss_share": Param(
            0.68, "share of input mass lost to the air (conversion_coefficients.csv C15)"
        ),
        "refuse_share": Param(
            0.0, "share of input sieved out as refuse (C15 gives 25 %, base unclear)"
        ),
        "compost": Param("compost", "material id of compost (t)"),
        "losses": Param("composting_losses", "material id of CO2 and vapour released (t)"),
        "refuse": Param("compost_refuse", "material id of sieving refuse (t)"),
    }

    @classmethod
    def default_spec(cls, params: dict[str, Any]) -> dict[str, Any]:
        """One ``compost_<substrate>`` process per substrate."""
        loss = float(params["mass_loss_share"])
        refuse = float(params["refuse_share"])
        if not (0 <= loss <= 1 and 0 <= refuse <= 1 and loss + refuse <= 1):
            raise ValueError(
                f"mass_loss_share {loss} and refuse_share {refuse} must be in [0, 1] and "
                "sum to at most 1"
            )
        capacity = float(params["capacity_t_per_day"])
        if capacity < 0:
            raise ValueError(f"capacity_t_per_day {capacity} is negative")
        shares = params["substrates"]
        total = sum(float(s) for s in shares.values())
        if total <= 0 or any(float(s) < 0 for s in shares.values()):
            raise ValueError("substrates must have shares >= 0, at least one > 0")
        processes = {}
        for substrate, share in shares.items():
            if substrate in (params["compost"], params["losses"], params["refuse"]):
                raise ValueError(f"substrate {substrate!r} is also an output id")
            outputs = {params["compost"]: 1.0 - loss - refuse}
            if refuse > 0:
                outputs[params["refuse"]] = refuse
            process: dict[str, Any] = {
                "capacity": capacity * float(share) / total,
                "inputs": {substrate: 1.0},
                "outputs": outputs,
                "note": "per t substrate; mass loss C15 (conversion_coefficients.csv)",
            }
            if loss > 0:
                process["to_environment"] = {params["losses"]: loss}
            processes[f"compost_{substrate}"] = process
        return {"processes": processes}
