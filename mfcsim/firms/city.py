"""The city: the daily food demand of its population, and the food waste it returns."""

from __future__ import annotations

from typing import Any, ClassVar

from mfcsim.firms.base import REQUIRED, Firm, Param


class City(Firm, type_name="city"):
    """A city's households as one buyer.

    One process ``eat`` runs once per inhabitant per day: it takes the diet (t per person
    per day of each food material), returns ``waste_share`` of it as food waste and sends
    the rest to final consumption (material ``consumed_food``, whose sink is
    ``consumption``). The diet and waste share are scenario parameters; the default
    scenario cites where its values come from.
    """

    PARAMETERS: ClassVar[dict[str, Param] | None] = {
        "population": Param(REQUIRED, "inhabitants"),
        "diet_kg_per_person_day": Param(REQUIRED, "kg per person per day of each food material"),
        "waste_share": Param(0.1, "share of food bought that becomes food waste (0-1)"),
        "food_waste": Param("food_waste", "material id of household food waste"),
        "consumed": Param("consumed_food", "material id of food eaten (sink: consumption)"),
    }

    @classmethod
    def default_spec(cls, params: dict[str, Any]) -> dict[str, Any]:
        """One ``eat`` process per inhabitant-day."""
        diet = {m: float(kg) / 1000.0 for m, kg in params["diet_kg_per_person_day"].items()}
        share = float(params["waste_share"])
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"waste_share {share} is not between 0 and 1")
        if float(params["population"]) < 0:
            raise ValueError(f"population {params['population']} is negative")
        total_t = sum(diet.values())
        return {
            "buyer": True,
            "processes": {
                "eat": {
                    "capacity": float(params["population"]),
                    "inputs": diet,
                    "outputs": {params["food_waste"]: total_t * share},
                    "to_environment": {params["consumed"]: total_t * (1.0 - share)},
                    "note": "per inhabitant-day: diet in, food waste out, the rest eaten",
                }
            },
        }
