"""The black soldier fly farm: residues in, larvae meal and frass out, on a rearing cycle.

Activity unit: one t of wet substrate put in the rearing crates. The farm has one process
per substrate, ``rear_<substrate>``, built from its parameters (``default_spec``): per t of
substrate it gives larvae meal (dried), frass (the larvae's residue and droppings, sold as a
fertiliser), a little ammonia, and the rest (water and CO2) to the air. N and P follow the
substrate through transfer coefficients (docs/substances.md).

State, across days:

- the substrate each process fed on each of the last ``cycle_days`` days (a ring buffer):
  the larvae harvested today grew on it, so the quality of that mix sets today's larvae yield
  (``yield_factor``; the frass, the recipe's ``yield_balance``, takes the difference);
- the days the colony has been fed: a new colony fills its crates over its first cycle
  (``planned_activity`` ramps up from 1 / ``cycle_days`` of capacity).

Each hook exists twice, per firm (``setup``, ``planned_activity``, ``yield_factor``,
``after_produce``) and for all firms of the type at once (``plan_many``, ``yield_many``,
``after_produce_many``, on arrays in ``group.state``), which keeps the type on the vectorised
path. Both versions share the arithmetic (``mix_quality``, ``ramp``), so the ledger is the
same bit for bit on both paths; ``mfcsim.testing.assert_same_on_both_paths`` holds them to it.

Coefficients: ``data/published/`` has no figures on insect rearing, so every default below
is an assumption (marked where it is set), of the order reported for black soldier fly
larvae on food residues.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from mfcsim.firms.base import REQUIRED, Firm, Param
from mfcsim.firms.group import FirmGroup
from mfcsim.firms.process import Process

PREFIX = "rear_"


def mix_quality(fed: np.ndarray, quality: np.ndarray) -> np.ndarray:
    """The mean quality of the substrate fed over a cycle, weighted by mass; 1 if none fed.

    Args:
        fed: t of substrate per (firm, day of the cycle, process).
        quality: relative larvae yield of each process's substrate, per (firm, process).

    Returns:
        One factor per firm. The sums run in a fixed order (days, then processes), so one
        firm's row gives the same float alone as inside a group.
    """
    mass = np.zeros(fed.shape[0])
    weighted = np.zeros(fed.shape[0])
    for day in range(fed.shape[1]):
        for p in range(fed.shape[2]):
            mass += fed[:, day, p]
            weighted += fed[:, day, p] * quality[:, p]
    fed_any = mass > 0.0
    return np.where(fed_any, weighted / np.where(fed_any, mass, 1.0), 1.0)


def ramp(days_fed: np.ndarray, cycle_days: np.ndarray) -> np.ndarray:
    """The share of capacity a colony fills: from 1 / cycle on its first day to 1 after it."""
    return np.minimum(1.0, (days_fed + 1.0) / cycle_days)


class InsectFarm(Firm, type_name="bsf_farm"):
    """A black soldier fly farm: rears larvae on residues, sells larvae meal and frass.

    The larvae yield follows the quality of the substrate mix fed over the last rearing
    cycle (``substrate_quality``, weighted by mass); a new colony ramps up over its first
    cycle. The type-level hooks see all farms of a run as one group, so they must list the
    same substrates (a share may be 0) and share ``cycle_days``.
    """

    PARAMETERS: ClassVar[dict[str, Param] | None] = {
        "capacity_t_per_day": Param(REQUIRED, "t wet substrate per day"),
        "substrates": Param(
            {"food_waste": 0.6, "brewers_spent_grain": 0.4},
            "substrate material -> share of capacity",
        ),
        # assumption: larvae grow best on mixed food waste; spent grain (fibrous, less
        # digestible) and potato peels (starchy, low protein) give less larvae per t
        "substrate_quality": Param(
            {"food_waste": 1.0, "brewers_spent_grain": 0.7, "potato_peels": 0.6, "whey": 0.5},
            "substrate -> larvae yield relative to larvae_meal_t_per_t",
        ),
        "cycle_days": Param(
            14,
            "days from egg to harvest: the larvae harvested grew on the "
            "substrate of this many days",
        ),
        # assumption: ~0.12 t fresh larvae per t wet substrate, dried to a third
        "larvae_meal_t_per_t": Param(0.04, "t larvae meal per t substrate of quality 1"),
        # assumption: frass ~30 % of the wet substrate (residue, droppings and exuviae)
        "frass_t_per_t": Param(0.30, "t frass per t substrate of quality 1"),
        # assumption: ~5 % of the substrate N escapes as NH3 (0.0089 t N/t food waste x 0.05
        # x 17/14 = 0.00054 t NH3/t); the rest of the mass is water and CO2 to the air
        "ammonia_t_per_t": Param(0.0005, "t NH3 to the air per t substrate"),
        "n_to_larvae": Param(0.35, "share of the substrate N in the larvae meal (assumption)"),
        "n_to_air": Param(0.05, "share of the substrate N lost as ammonia (assumption)"),
        "p_to_larvae": Param(0.25, "share of the substrate P in the larvae meal (assumption)"),
        "larvae_meal": Param("larvae_meal", "material id of larvae meal (t)"),
        "frass": Param("frass", "material id of frass (t)"),
        "ammonia": Param("ammonia", "material id of ammonia released (t)"),
        "losses": Param("respiration", "material id of water and CO2 released (t)"),
    }

    @classmethod
    def default_spec(cls, params: dict[str, Any]) -> dict[str, Any]:
        """One ``rear_<substrate>`` process per substrate, with its N and P shares."""
        larvae, frass = float(params["larvae_meal_t_per_t"]), float(params["frass_t_per_t"])
        nh3 = float(params["ammonia_t_per_t"])
        losses = 1.0 - larvae - frass - nh3
        if min(larvae, frass, nh3, losses) < 0 or larvae == 0 or frass == 0:
            raise ValueError(
                f"larvae_meal_t_per_t {larvae}, frass_t_per_t {frass} and ammonia_t_per_t "
                f"{nh3} must be >= 0 (larvae and frass > 0) and sum to at most 1"
            )
        n_larvae, n_air, p_larvae = (
            float(params[k]) for k in ("n_to_larvae", "n_to_air", "p_to_larvae")
        )
        if not (0 <= n_larvae + n_air <= 1 and 0 <= p_larvae <= 1 and min(n_larvae, n_air) >= 0):
            raise ValueError("n_to_larvae + n_to_air and p_to_larvae must be shares in [0, 1]")
        if n_air > 0 and nh3 == 0:
            raise ValueError("n_to_air > 0 needs ammonia_t_per_t > 0")
        if int(params["cycle_days"]) < 1:
            raise ValueError(f"cycle_days {params['cycle_days']} must be at least 1")
        shares = {str(k): float(v) for k, v in params["substrates"].items()}
        total = sum(shares.values())
        if total <= 0 or min(shares.values()) < 0:
            raise ValueError("substrates must have shares >= 0, at least one > 0")
        unknown = sorted(set(shares) - set(params["substrate_quality"]))
        if unknown:
            raise ValueError(f"substrate_quality lacks {', '.join(unknown)}")
        meal, fr, am = params["larvae_meal"], params["frass"], params["ammonia"]
        n_shares = {meal: n_larvae, fr: 1.0 - n_larvae - n_air}
        to_environment = {params["losses"]: losses}
        if nh3 > 0:
            to_environment[am] = nh3
            if n_air > 0:
                n_shares[am] = n_air
        processes = {
            f"{PREFIX}{substrate}": {
                "capacity": float(params["capacity_t_per_day"]) * share / total,
                "inputs": {substrate: 1.0},
                "outputs": {meal: larvae, fr: frass},
                "to_environment": to_environment,
                "yield_balance": fr,
                "transfer": {"N": n_shares, "P": {meal: p_larvae, fr: 1.0 - p_larvae}},
                "note": "per t wet substrate; all coefficients are assumptions (insect_farm)",
            }
            for substrate, share in sorted(shares.items())  # one order for every firm
        }
        return {"processes": processes}

    # ---- per firm: the simple way (the per-firm path runs these) --------------------------
    def setup(self) -> None:
        """The colony starts empty: nothing fed yet."""
        self.quality = qualities([self])
        self.fed = np.zeros((1, int(self.params["cycle_days"]), len(self.processes)))
        self.days_fed = 0.0

    def planned_activity(self, day: int, process: Process) -> float:
        """The usual plan, times the colony's ramp over its first cycle."""
        share = ramp(np.array([self.days_fed]), np.array([float(self.params["cycle_days"])]))
        return float(super().planned_activity(day, process) * share[0])

    def yield_factor(self, day: int, process: Process) -> float:
        """The quality of the substrate fed over the last cycle (the same for every process)."""
        return float(mix_quality(self.fed, self.quality)[0])

    def after_produce(self, day: int, activity: tuple[float, ...]) -> None:
        """Remember today's substrate in the cycle's ring buffer; count a day fed."""
        self.fed[0, day % self.fed.shape[1], :] = activity
        if sum(activity) > 0.0:
            self.days_fed += 1.0

    # ---- per type: the same on arrays, for every firm of the type at once ------------------
    @classmethod
    def plan_many(cls, day: int, group: FirmGroup) -> np.ndarray:
        """``planned_activity`` of every firm and process."""
        state = cls._state(group)
        return group.default_plan(day) * ramp(state["days_fed"], state["cycle"])[:, None]

    @classmethod
    def yield_many(cls, day: int, group: FirmGroup) -> np.ndarray:
        """``yield_factor`` of every firm and process."""
        state = cls._state(group)
        factor = mix_quality(state["fed"], state["quality"])
        return np.repeat(factor[:, None], len(group.process_ids), axis=1)

    @classmethod
    def after_produce_many(cls, day: int, group: FirmGroup, activity: np.ndarray) -> None:
        """``after_produce`` of the firms that take part today."""
        state = cls._state(group)
        active = group.active
        fed = state["fed"]
        for row in np.flatnonzero(active):
            fed[row, day % fed.shape[1], :] = activity[row]
        state["days_fed"] = np.where(
            active & (activity.sum(axis=1) > 0.0), state["days_fed"] + 1.0, state["days_fed"]
        )

    @staticmethod
    def _state(group: FirmGroup) -> dict[str, Any]:
        """The group's arrays, made on first use (an empty colony, as ``setup`` makes it)."""
        if "fed" not in group.state:
            cycles = {int(f.params["cycle_days"]) for f in group.firms}
            if len(cycles) > 1:  # a limit of this example, not of mfcsim
                raise ValueError("insect farms of one run must share cycle_days")
            group.state.update(
                fed=np.zeros((len(group), next(iter(cycles)), len(group.process_ids))),
                days_fed=np.zeros(len(group)),
                cycle=np.full(len(group), float(cycles.pop())),
                quality=qualities(group.firms),
            )
        return group.state


def qualities(firms: list[Firm] | list[InsectFarm]) -> np.ndarray:
    """The relative larvae yield of each process's substrate, per (firm, process)."""
    return np.array(
        [
            [float(f.params["substrate_quality"][p.id.removeprefix(PREFIX)]) for p in f.processes]
            for f in firms
        ]
    )
