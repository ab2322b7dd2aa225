"""The headline KPIs and the balance tables give what their plain definitions give, bit for bit."""

import math

import numpy as np
import pandas as pd
import pytest

from mfcsim.balance import check_mass_balance, mass_balance, material_balance
from mfcsim.indicators.headline import KPIS, RUN_FACTS
from mfcsim.results import Results
from mfcsim.scenario.generate import synthetic_cluster
from mfcsim.testing import run_scenario


@pytest.fixture(scope="module")
def results() -> Results:
    """A small synthetic cluster with the greedy agent: every kind of ledger row."""
    return run_scenario(synthetic_cluster(20, seed=2, days=30, policy="greedy"))


def plain_kpis(flows: pd.DataFrame, materials: pd.DataFrame) -> dict[str, float]:
    """The definitions: per-row mass and energy columns, rows picked by comparing names."""
    props = materials.set_index("id").reindex(flows["material"].astype(str))
    kind = flows["kind"].astype(str).to_numpy()
    qty = flows["quantity"].to_numpy()
    mass = qty * props["mass_t_per_unit"].to_numpy().astype(float)
    energy = np.where(props["unit"].to_numpy() == "MWh", qty, 0.0)
    water = props["water"].to_numpy().astype(bool)
    residue = props["kind"].to_numpy() == "residue"
    value, co2e = flows["value_eur"].to_numpy(), flows["co2e_t"].to_numpy()
    distance = flows["distance_km"].to_numpy()
    out = {
        "material_imports_t": float(mass[(kind == "import") & ~water].sum()),
        "energy_imports_MWh": float(energy[kind == "import"].sum()),
        "exports_t": float(mass[(kind == "export") & ~water].sum()),
        "final_consumption_t": float(mass[kind == "final_consumption"].sum()),
    }
    for key, name in (("produced", "production"), ("consumed", "consumption"),
                      ("disposed", "disposal")):  # fmt: skip
        out[f"residues_{key}_t"] = float(mass[residue & (kind == name)].sum())
    dispatch = (kind == "shipment") & (distance > 0)
    out["transport_tkm"] = float((mass * distance)[dispatch].sum())
    out["transport_cost_eur"] = float(value[dispatch].sum())
    out["ghg_transport_t_co2e"] = float(co2e[dispatch].sum())
    out["import_cost_eur"] = float(value[kind == "import"].sum())
    out["export_revenue_eur"] = float(value[kind == "export"].sum())
    out["disposal_cost_eur"] = float(value[kind == "disposal"].sum())
    out["ghg_imports_embodied_t_co2e"] = float(co2e[kind == "import"].sum())
    out["ghg_total_t_co2e"] = float(co2e.sum())
    out["ledger_rows"] = float(len(flows))
    return out


def test_headline_kpis_are_their_plain_definition(results: Results) -> None:
    """The registry's figures in kpis.json equal their plain definitions on the ledger."""
    plain = plain_kpis(results.flows, results.materials)
    assert {k: results.kpis[k] for k in plain} == pytest.approx(plain, rel=1e-12, abs=1e-9)
    assert results.kpis["residues_produced_t"] > 0.0
    assert results.kpis["transport_tkm"] > 0.0


def test_kpis_are_the_registered_indicators(results: Results) -> None:
    """One name, one computation: each figure of kpis.json is its indicator's cluster value."""
    frame = results.indicators
    whole = frame[(frame["scope"] == "cluster") & (frame["period"] == "all")]
    values = dict(zip(whole["indicator"], whole["value"], strict=True))
    assert list(results.kpis)[: len(KPIS)] == list(KPIS)
    assert set(results.kpis) == {*KPIS, *RUN_FACTS}
    for name in KPIS:
        assert results.kpis[name] == pytest.approx(values[name], nan_ok=True), name


def test_balance_does_not_depend_on_how_the_columns_are_coded(results: Results) -> None:
    """Targets and materials coded in another order (numbered by recoding) balance the same."""
    flows = results.flows.copy()
    for name in ("target", "material"):
        flows[name] = flows[name].cat.reorder_categories(flows[name].cat.categories[::-1])
    args = (results.stocks, results.materials, results.nodes)
    for fast, plain in (
        (material_balance(results.flows, results.stocks), material_balance(flows, results.stocks)),
        (mass_balance(results.flows, *args), mass_balance(flows, *args)),
    ):
        pd.testing.assert_frame_equal(fast.sort_index(), plain.sort_index(), check_exact=True)
    error = check_mass_balance(results.flows, *args)
    assert error == check_mass_balance(flows, *args)
    assert not math.isnan(error)


def test_material_balance_sums_every_row_in_ledger_order(results: Results) -> None:
    """Inflow and outflow per cell are the plain bincounts with zeros for the rows left out."""
    flows = results.flows
    nodes, materials = list(flows["source"].cat.categories), list(flows["material"].cat.categories)
    kind, qty = flows["kind"].astype(str).to_numpy(), flows["quantity"].to_numpy()
    mat = flows["material"].cat.codes.to_numpy().astype(np.int64)
    table = material_balance(flows, results.stocks)
    for column, node, left_out in (("inflow", "target", "consumption"),
                                   ("outflow", "source", "production")):  # fmt: skip
        cell = flows[node].cat.codes.to_numpy().astype(np.int64) * len(materials) + mat
        weights = np.where(kind == left_out, 0.0, qty)
        plain = np.bincount(cell, weights=weights, minlength=len(nodes) * len(materials))
        plain = plain.reshape(len(nodes), len(materials))
        rows = [nodes.index(n) for n in table.index.get_level_values("node")]
        cols = [materials.index(m) for m in table.index.get_level_values("material")]
        assert table[column].to_numpy().tobytes() == plain[rows, cols].tobytes()
