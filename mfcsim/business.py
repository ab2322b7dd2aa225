"""The business case of each cooperative member: its gain from taking part, net of fees.

For every member ``m`` the scenario is run as written (``m`` inside) and with ``m`` outside
the cooperative: removed from its members, so that it buys its imports at the import price,
sells at the sale price without the brand premium, receives no share of the premium pool and
pays no fee; the other members go on without it (their daily volume, their fee shares and
their premium pool change with it). Everything else is the same scenario, and both run on
the same replication seeds, so every firm sees the same random numbers (common random
numbers, :mod:`mfcsim.compare`). The flows are the same in both runs (the cooperative moves
money, not mass); the member's gain is the paired difference of its value added over the
whole horizon, inside − outside, with fees counted as intermediate consumption.

Two subsidies are reported that would leave no member worse off than outside, paid to the
members directly (not to the cooperative, whose subsidy lowers everybody's fees, the outside
runs' too): ``flat`` per member, the largest shortfall (every member gets it), and
``targeted`` in total, the sum of the shortfalls (each member gets its own).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mfcsim.compare import (
    CONFIDENCE,
    indicators_of,
    paired_comparison,
    replication_seeds,
    run_variants,
)
from mfcsim.errors import UsageError
from mfcsim.results import Results
from mfcsim.runfolder import atomic_folder
from mfcsim.scenario.root import Scenario

#: The indicator compared between a member inside and outside the cooperative.
GAIN_INDICATOR = "value_added_eur"
#: Indicators measured on each run (the member's fees are shown beside its gain).
MEASURED = (GAIN_INDICATOR, "coop_fees_eur")


def outside(scenario: Scenario, firm: str) -> Scenario:
    """The scenario with ``firm`` outside the cooperative (no cooperative if it was alone).

    Raises:
        UsageError: If the scenario has no cooperative or ``firm`` is not a member.
    """
    coop = scenario.cooperative
    if coop is None or firm not in coop.members:
        members = ", ".join(coop.members) if coop else "none: the scenario has no cooperative"
        raise UsageError(f"{firm!r} is not a member of the cooperative (members: {members})")
    rest = [m for m in coop.members if m != firm]
    update = coop.model_copy(update={"members": rest}) if rest else None
    return scenario.model_copy(update={"cooperative": update})


def member_figures(results: Results) -> pd.DataFrame:
    """What a business case measures on a run: value added and fees, period ``all``."""
    frame = indicators_of(results)
    chosen = frame["indicator"].isin(MEASURED) & (frame["period"] == "all")
    return frame[chosen.to_numpy()].reset_index(drop=True)


@dataclass
class BusinessCase:
    """Per member, the gain from taking part in the cooperative, and the subsidies needed.

    Attributes:
        scenario: The scenario's name.
        seeds: The replication seeds (shared by all runs).
        table: One row per member: ``firm, value_added_inside_eur,
            value_added_outside_eur, fees_eur, gain_eur, ci_low, ci_high, better_off``.
    """

    scenario: str
    seeds: list[int]
    table: pd.DataFrame

    @property
    def better_off(self) -> int:
        """The number of members whose mean gain is above zero."""
        return int(self.table["better_off"].sum())

    @property
    def flat_subsidy_eur_per_member(self) -> float:
        """The smallest payment to every member that leaves none worse off than outside."""
        return float(max(0.0, -self.table["gain_eur"].min()))

    @property
    def targeted_subsidy_eur(self) -> float:
        """The smallest total paid to the members that leaves none worse off than outside."""
        return float((-self.table["gain_eur"]).clip(lower=0.0).sum())

    def summary(self) -> dict[str, Any]:
        """The business case as JSON-ready data."""
        rows = self.table.astype(object).where(self.table.notna(), None)
        return {
            "scenario": self.scenario,
            "replications": len(self.seeds),
            "seeds": self.seeds,
            "gain": f"{GAIN_INDICATOR} of the member inside − outside the cooperative, whole "
            "horizon, paired by replication (common random numbers)",
            "confidence": CONFIDENCE,
            "members_better_off": self.better_off,
            "members": len(self.table),
            "flat_subsidy_eur_per_member": self.flat_subsidy_eur_per_member,
            "targeted_subsidy_eur": self.targeted_subsidy_eur,
            "rows": rows.to_dict(orient="records"),
        }

    def write(self, folder: str | Path) -> Path:
        """Write ``business_case.parquet`` and ``business_case.json`` atomically.

        Raises:
            UsageError: If ``folder`` exists already and is not empty.
        """
        with atomic_folder(folder) as tmp:
            self.table.to_parquet(tmp / "business_case.parquet", index=False)
            text = json.dumps(self.summary(), indent=2, allow_nan=False)
            (tmp / "business_case.json").write_text(text + "\n")
        return Path(folder)


def business_case(
    scenario: Scenario,
    reps: int = 1,
    *,
    seed: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    each: Callable[[int], None] | None = None,
) -> BusinessCase:
    """Run the scenario and, per member, the scenario with that member outside; compare.

    Args:
        scenario: A scenario with a cooperative.
        reps: Replications of each run (seeds ``seed, seed + 1, ...``).
        seed: Base seed (default: the scenario's).
        workers: Dask worker processes to run the ``(members + 1) × reps`` runs in.
        scheduler: Address of a running Dask scheduler instead of a LocalCluster.
        each: Called after each finished run.

    Raises:
        UsageError: If the scenario has no cooperative.
        MassBalanceError: If a run does not balance.
    """
    if scenario.cooperative is None:
        raise UsageError(
            f"scenario {scenario.name!r} has no cooperative (accepted: a scenario with a "
            "'cooperative:' section)"
        )
    members = list(scenario.cooperative.members)
    seeds = replication_seeds(scenario.seed if seed is None else seed, reps)
    variants = [scenario, *(outside(scenario, m) for m in members)]
    inside, *outsides = run_variants(
        variants, seeds, workers=workers, scheduler=scheduler, each=each, measure=member_figures
    )
    rows = [_member_row(m, inside, out) for m, out in zip(members, outsides, strict=True)]
    return BusinessCase(scenario.name, seeds, pd.DataFrame(rows))


def _member_row(firm: str, inside: pd.DataFrame, out: pd.DataFrame) -> dict[str, Any]:
    """One member's row: value added inside and outside, its fees, the gain and its interval."""
    table = paired_comparison(out, inside)
    scope = table["scope"] == f"firm:{firm}"
    gain = table[scope & (table["indicator"] == GAIN_INDICATOR)].iloc[0]
    fees = table[scope & (table["indicator"] == "coop_fees_eur")]
    return {
        "firm": firm,
        "value_added_inside_eur": float(gain["mean_b"]),
        "value_added_outside_eur": float(gain["mean_a"]),
        "fees_eur": float(fees["mean_b"].iloc[0]) if len(fees) else np.nan,
        "gain_eur": float(gain["diff"]),
        "ci_low": float(gain["ci_low"]),
        "ci_high": float(gain["ci_high"]),
        "better_off": bool(gain["diff"] > 0),
    }
