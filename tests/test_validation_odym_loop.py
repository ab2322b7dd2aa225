"""Validation: the recycling loop of ODYM tutorial 1, run as a stochastic mfcsim scenario.

Published case: data/published/mfa_odym_tutorial1_recycling_loop.csv (ODYM tutorial 1; notes
in data/published/README.md). Inflow D into process 1, process 1 -> process 2, a
share alpha of process 2's output back to process 1, the rest leaves. Steady state:
b = D / (1 - alpha) through process 1, d = alpha D / (1 - alpha) returned, c = D leaving.

Rows used: 1995 (D = 15, alpha = 0.5: b = 30, d = 15, c = 15) and 2010 (D = 30,
alpha = 32/34: b = 510, d = 480, c = 30), per year. The scenario holds the year's D and
alpha constant, spreads D over the days, and lets the inflow and process 2 work in random
daily batches (``variability.activity_cv``). The return flow is process 2's recipe (outputs
alpha / 1 - alpha) plus a fixed contract to process 1. See docs/validation.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from mfcsim.engine.simulation import Simulation
from mfcsim.results import Results
from mfcsim.scenario.load import load_scenario
from mfcsim.testing import assert_mass_balanced, flow_rows

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "validation" / "odym_loop.yaml"
ODYM_CSV = REPO / "data" / "published" / "mfa_odym_tutorial1_recycling_loop.csv"

DAYS_PER_YEAR = 365
#: Days simulated; the first WARMUP_DAY are discarded (the loop starts empty). With the
#: inflow's activity_cv of 0.2 the standard error of the mean inflow over the measured
#: 4,635 days is 0.2 / sqrt(4635) = 0.29 %, so the 1 % tolerance is about 3.4 standard errors.
HORIZON_DAY = 5000
WARMUP_DAY = 365
#: The issue's tolerance on the long-run mean throughput (and on d and c).
RTOL = 0.01
#: Process 2's daily capacity over its mean load: on slow random days it queues.
P2_HEADROOM = 1.5


@dataclass(frozen=True)
class LoopFlows:
    """Mean flows of the loop per year over the measured window (ODYM's a, b, c, d)."""

    a_inflow: float
    b_throughput: float
    c_leaving: float
    d_recycled: float


def odym_row(year: int) -> pd.Series:
    """One year of the published ODYM tutorial 1 solution."""
    table = pd.read_csv(ODYM_CSV, index_col="year")
    return table.loc[year]


def published_alpha(year: int) -> float:
    """The tutorial's recovery rate alpha(t) = (t - 1978) / 34 (README section 4.1)."""
    return (year - 1978) / 34


def loop_overrides(inflow_per_year: float, alpha: float) -> tuple[str, ...]:
    """``--set`` overrides for inflow D (per year) and recovery share alpha."""
    inflow_per_year, alpha = float(inflow_per_year), float(alpha)
    b_per_day = inflow_per_year / (1.0 - alpha) / DAYS_PER_YEAR
    return (
        f"firms.inflow.processes.supply.capacity={inflow_per_year / DAYS_PER_YEAR!r}",
        f"firms.p2.processes.split.outputs.feedstock={alpha!r}",
        f"firms.p2.processes.split.outputs.discard={1.0 - alpha!r}",
        f"firms.p2.processes.split.capacity={P2_HEADROOM * b_per_day!r}",
        f"horizon={HORIZON_DAY}",
    )


def yearly_mean(rows: pd.DataFrame) -> float:
    """Mean quantity per year of ledger rows within the measured window."""
    window = rows[rows["t_day"] >= WARMUP_DAY]
    return float(window["quantity"].sum()) / (HORIZON_DAY - WARMUP_DAY) * DAYS_PER_YEAR


def measure(results: Results) -> LoopFlows:
    """The loop's flows a, b, c, d from the ledger (dispatch rows for shipments)."""
    consumed = flow_rows(results, source="p1", target="p1", material="feedstock")
    throughput = yearly_mean(consumed[consumed["kind"] == "consumption"])
    produced = flow_rows(results, source="p1", target="p1", material="intermediate")
    assert yearly_mean(produced[produced["kind"] == "production"]) == pytest.approx(throughput)
    return LoopFlows(
        a_inflow=yearly_mean(flow_rows(results, source="inflow", target="in_transit")),
        b_throughput=throughput,
        c_leaving=yearly_mean(flow_rows(results, source="p2", kind="disposal")),
        d_recycled=yearly_mean(flow_rows(results, source="p2", target="in_transit")),
    )


@dataclass(frozen=True)
class LoopCase:
    """One published year run through the scenario."""

    row: pd.Series
    alpha: float
    results: Results
    flows: LoopFlows


@pytest.fixture(scope="module", params=[1995, 2010], ids=["alpha_0.5", "alpha_32_34"])
def case(request: pytest.FixtureRequest) -> LoopCase:
    """The scenario run with one published year's D and alpha (seed: the year)."""
    year = request.param
    row = odym_row(year)
    alpha = published_alpha(year)
    assert row["alpha_recovery"] == pytest.approx(alpha, abs=1e-6)  # the CSV's own rounding
    overrides = loop_overrides(row["D_inflow"], alpha)
    scenario = load_scenario(SCENARIO, overrides, seed=year)  # one stream per case
    results = Simulation(scenario, seed=year).run(strict=False)  # balance: its own test
    return LoopCase(row, alpha, results, measure(results))


def test_the_loop_run_balances_mass(case: LoopCase) -> None:
    assert_mass_balanced(case.results)


def test_long_run_throughput_is_inflow_over_one_minus_alpha(case: LoopCase) -> None:
    expected = case.row["D_inflow"] / (1.0 - case.alpha)
    assert case.flows.b_throughput == pytest.approx(expected, rel=RTOL)


def test_loop_flows_match_the_published_steady_state(case: LoopCase) -> None:
    flows, row = case.flows, case.row
    assert flows.a_inflow == pytest.approx(row["a_sysenv_to_p1"], rel=RTOL)
    assert flows.b_throughput == pytest.approx(row["b_p1_to_p2"], rel=RTOL)
    assert flows.c_leaving == pytest.approx(row["c_p2_to_sysenv"], rel=RTOL)
    assert flows.d_recycled == pytest.approx(row["d_p2_to_p1_recycled"], rel=RTOL)


def test_loop_multiplies_the_realised_inflow(case: LoopCase) -> None:
    """Against the inflow that really came (not its nominal mean): only the loop's own error.

    What is left is the material inside the loop at the window's ends (a few days of flow).
    """
    flows, alpha = case.flows, case.alpha
    assert flows.b_throughput == pytest.approx(flows.a_inflow / (1.0 - alpha), rel=0.002)
    assert flows.d_recycled == pytest.approx(alpha * flows.b_throughput, rel=0.002)


def test_batches_are_random(case: LoopCase) -> None:
    """The inflow and process 2 vary from day to day (the check is not on a steady flow)."""
    inflow = flow_rows(case.results, source="inflow", target="in_transit")["quantity"]
    split = flow_rows(case.results, source="p2", target="p2", material="intermediate")
    assert inflow.std() / inflow.mean() == pytest.approx(0.2, rel=0.1)
    assert split["quantity"].std() / split["quantity"].mean() > 0.05
