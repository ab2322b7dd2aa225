"""The shipped scenarios: every one runs and balances; Kalundborg reproduces its published links.

Every scenario file under ``scenarios/`` (the validation ones included) runs on a short
horizon with the mass balance checked. ``scenarios/kalundborg.yaml`` runs its year and each
link the mid-1990s publications quantify lands within the published range: from
``quantity`` to ``quantity_max`` where the data give both, else ``quantity`` +- 25 %
(``data/published/kalundborg_flows.csv``). WarmCO2's year is checked in
``tests/test_validation_warmco2.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mfcsim.testing import run_scenario

REPO = Path(__file__).resolve().parents[1]
SHIPPED = sorted((REPO / "scenarios").rglob("*.yaml"))
KALUNDBORG_FLOWS = REPO / "data" / "published" / "kalundborg_flows.csv"
SPREAD = 0.25  # where the data give one figure, the range is +- 25 % of it
SHORT_DAYS = 20
#: Scenarios whose own evaluation periods need their whole horizon, or whose first flows come
#: later than the short horizon (the machine-pool example's harvest is in July).
WHOLE = {"warmco2", "phases", "phases_levers", "machine_pool"}

#: The mid-1990s links of ``kalundborg.yaml`` with a published quantity: row id -> (supplier,
#: receiver, material shipped), the annual total of which is compared with the row.
LINKS = {
    "K01": ("asnaes", "gyproc", "fgd_gypsum"),
    "K05": ("asnaes", "aalborg_portland", "fly_ash"),
    "K07": ("statoil", "kemira", "sulphur"),
    "K08": ("statoil", "asnaes", "cooling_water"),
}
#: Substances of the sludge to the farms: row id -> substance (t a year).
SLUDGE = {"K12": "N", "K13": "P"}


def test_every_scenario_file_is_in_the_library() -> None:
    names = {p.relative_to(REPO / "scenarios").as_posix() for p in SHIPPED}
    assert {"default.yaml", "kalundborg.yaml", "warmco2.yaml", "tiny.yaml"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scenario_runs_and_balances_on_a_short_horizon(path: Path) -> None:
    days = None if path.stem in WHOLE else SHORT_DAYS
    results = run_scenario(path, days=days)  # run_scenario checks the mass balance
    assert results.kpis["ledger_rows"] > 0
    assert results.kpis["mass_balance_max_rel_error"] <= 1e-9
    assert results.stocks["t_day"].max() == (days or results.scenario.horizon_day)


def published_range(row_id: str) -> tuple[float, float]:
    """(low, high) of a row of the Kalundborg table, in its unit a year."""
    rows = pd.read_csv(KALUNDBORG_FLOWS).set_index("id")
    row = rows.loc[row_id]
    assert str(row["unit"]).startswith(("t", "m3")), row["unit"]
    low = float(row["quantity"])
    if pd.notna(row["quantity_max"]):
        return low, float(row["quantity_max"])
    return low * (1.0 - SPREAD), low * (1.0 + SPREAD)


@pytest.fixture(scope="module")
def kalundborg_year():
    return run_scenario(REPO / "scenarios" / "kalundborg.yaml")


@pytest.mark.parametrize("row_id", sorted(LINKS))
def test_kalundborg_links_are_within_the_published_range(kalundborg_year, row_id: str) -> None:
    supplier, receiver, material = LINKS[row_id]
    shipped = kalundborg_year.extra["shipments"]
    link = shipped[
        (shipped["supplier"].astype(str) == supplier)
        & (shipped["receiver"].astype(str) == receiver)
        & (shipped["material"].astype(str) == material)
    ]
    low, high = published_range(row_id)
    assert low <= link["quantity"].sum() <= high, (row_id, link["quantity"].sum(), low, high)


@pytest.mark.parametrize("row_id", sorted(SLUDGE))
def test_kalundborg_sludge_nutrients_are_within_the_published_range(
    kalundborg_year, row_id: str
) -> None:
    flows = kalundborg_year.substance_flows
    to_farms = flows[
        (flows["kind"].astype(str) == "shipment")
        & (flows["target"].astype(str) == "farms")
        & (flows["material"].astype(str) == "biosludge")
        & (flows["substance"].astype(str) == SLUDGE[row_id])
    ]
    low, high = published_range(row_id)
    assert low <= to_farms["quantity"].sum() <= high


def test_kalundborg_gypsum_replaces_two_thirds_of_the_mined_gypsum(kalundborg_year) -> None:
    """K01: the FGD gypsum is "almost two-thirds" of Gyproc's requirement; the rest is mined."""
    flows = kalundborg_year.flows
    used = flows[(flows["kind"].astype(str) == "consumption")
                 & (flows["source"].astype(str) == "gyproc")]  # fmt: skip
    by_material = used.groupby(used["material"].astype(str))["quantity"].sum()
    share = by_material["fgd_gypsum"] / (by_material["fgd_gypsum"] + by_material["natural_gypsum"])
    assert 0.6 <= share <= 0.7


def test_the_agent_starts_on_its_start_day() -> None:
    """Before ``agent.start_day`` the agent ships nothing; from it, it clears as usual."""
    results = run_scenario(REPO / "scenarios" / "default.yaml", days=12,
                           overrides=("agent.start_day=5",))  # fmt: skip
    shipped = results.extra["shipments"]
    by_agent = shipped[shipped["origin"].astype(str) == "agent"]
    assert len(by_agent) > 0
    assert by_agent["dispatch_t_day"].min() == 5.0


def test_an_agent_start_day_beyond_the_horizon_is_refused() -> None:
    from mfcsim.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"agent\.start_day: 30 is not within the horizon "
                       r"of 12 d \(accepted: 0 to 11\)"):  # fmt: skip
        run_scenario(REPO / "scenarios" / "tiny.yaml", days=12,
                     overrides=("agent.policy=greedy", "agent.start_day=30"))  # fmt: skip


def test_the_phases_scenario_joins_its_firms_in_waves() -> None:
    results = run_scenario(REPO / "scenarios" / "phases.yaml")
    flows = results.flows
    made = flows[flows["kind"].astype(str) == "production"]
    first_day = made.groupby(made["source"].astype(str))["t_day"].min()
    assert first_day["gh_tomato_son"] == 0.0  # the pilot's
    assert first_day["digester"] >= 182.0  # midyear
    assert first_day["gh_pepper_deurne"] >= 240.0  # wave 2
    shipped = results.extra["shipments"]
    assert shipped.loc[shipped["origin"].astype(str) == "agent", "dispatch_t_day"].min() == 60.0


def test_the_scenarios_page_lists_every_scenario_with_its_header() -> None:
    """scenarios/README.md is generated from the files' headers (``make scenarios``)."""
    import sys

    sys.path.insert(0, str(REPO / "tools"))
    from scenarios_readme import SECTIONS, header

    page = (REPO / "scenarios" / "README.md").read_text()
    for path in SHIPPED:
        about = header(path)
        missing = set(SECTIONS) - set(about)
        assert not missing, f"{path.name}: its header lacks {missing}"
        heading = f"### `{path.relative_to(REPO).as_posix()}`"
        assert heading in page, f"{heading} missing: run `make scenarios`"
        part = page.split(heading, 1)[1].split("\n### ", 1)[0]
        for name in SECTIONS:
            assert about[name] in part, f"{path.name}: '{name}' is stale: run `make scenarios`"
