"""The city: the daily food demand of its population, and the food waste it returns."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from mfcsim.firms.base import REQUIRED, Firm, Param

_GROUP_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class City(Firm, type_name="city"):
    """A city's households as one buyer.

    The diet (t per person per day of each food material) is eaten food group by food
    group: one process ``eat_<group>`` per group runs once per inhabitant per day, takes the
    group's share of the diet, returns ``waste_share`` of it as food waste and sends the
    rest to final consumption (material ``consumed_food``, whose sink is ``consumption``).
    A shortage of one group therefore lowers only what is eaten of that group: people who
    find no peppers still eat bread and drink milk. Within a group, materials are eaten in
    the diet's proportions; members of one substitution group stand in for each other at
    their ratio (the process's pool). ``food_groups`` names the groups; by default each
    diet material is a group of its own. The diet, groups and waste share are scenario
    parameters; the default scenario cites where its values come from.
    """

    PARAMETERS: ClassVar[dict[str, Param] | None] = {
        "population": Param(REQUIRED, "inhabitants"),
        "diet_kg_per_person_day": Param(REQUIRED, "kg per person per day of each food material"),
        "food_groups": Param(
            None,
            "food group -> the diet materials eaten together (each diet material in one "
            "group); default: each material a group of its own",
        ),
        "waste_share": Param(0.1, "share of food bought that becomes food waste (0-1)"),
        "food_waste": Param("food_waste", "material id of household food waste"),
        "consumed": Param("consumed_food", "material id of food eaten (sink: consumption)"),
    }

    @classmethod
    def default_spec(cls, params: dict[str, Any]) -> dict[str, Any]:
        """One ``eat_<group>`` process per food group, per inhabitant-day."""
        diet = {m: float(kg) / 1000.0 for m, kg in params["diet_kg_per_person_day"].items()}
        share = float(params["waste_share"])
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"waste_share {share} is not between 0 and 1")
        if float(params["population"]) < 0:
            raise ValueError(f"population {params['population']} is negative")
        processes = {}
        for group, materials in food_groups(params["food_groups"], list(diet)).items():
            total_t = sum(diet[m] for m in materials)
            processes[f"eat_{group}"] = {
                "capacity": float(params["population"]),
                "inputs": {m: diet[m] for m in materials},
                "outputs": {params["food_waste"]: total_t * share},
                "to_environment": {params["consumed"]: total_t * (1.0 - share)},
                "note": f"per inhabitant-day: the {group} of the diet in, food waste out, "
                "the rest eaten",
            }
        return {"buyer": True, "processes": processes}


def food_groups(declared: Any, diet: list[str]) -> dict[str, list[str]]:
    """The city's food groups: the declared ones, or each diet material a group of its own.

    Raises:
        ValueError: If a group name is not an identifier, a group is empty or names a
            material not in the diet, or a diet material is in no group or in two.
    """
    if declared is None:
        return {m: [m] for m in diet}
    if not isinstance(declared, dict):
        raise ValueError("food_groups must map a group name to a list of diet materials")
    seen: dict[str, str] = {}
    out: dict[str, list[str]] = {}
    for group, materials in declared.items():
        if not isinstance(group, str) or not _GROUP_NAME.match(group):
            raise ValueError(f"food group name {group!r} is not a name (letters, digits, _)")
        if not isinstance(materials, list) or not materials:
            raise ValueError(f"food group {group!r} must list one or more diet materials")
        for m in materials:
            if m not in diet:
                raise ValueError(
                    f"food group {group!r} names {m!r}, not in the diet (accepted: "
                    f"{', '.join(diet)})"
                )
            if m in seen:
                raise ValueError(f"{m!r} is in food groups {seen[m]!r} and {group!r}")
            seen[m] = group
        out[group] = list(materials)
    missing = [m for m in diet if m not in seen]
    if missing:
        raise ValueError(f"diet materials in no food group: {', '.join(missing)}")
    return out
