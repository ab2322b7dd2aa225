"""Sankey links, levels, layout, scale and balance on a real tiny run and on hand-made frames."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from mfcsim import runfiles
from mfcsim.viz import layers
from mfcsim.viz.balance import drawn_balance
from mfcsim.viz.panels import Choice, layers_panel, sankey_panel
from mfcsim.viz.rundata import RunData
from mfcsim.viz.sankey_data import LEVELS, sankey_links
from mfcsim.viz.sankey_layout import node_positions
from tests.viz_fixtures import runs_dir  # noqa: F401  (a fixture)


@pytest.fixture(scope="module")
def tiny(runs_dir) -> RunData:  # noqa: F811
    return runfiles.read_run(runs_dir / "tiny")


def test_links_sum_to_the_ledger_per_material(tiny: RunData) -> None:
    """Firm-level links carry every shipment and boundary flow of the ledger, per material."""
    links = sankey_links(tiny, top_n=None)
    drawn = links.groupby("material")["value"].sum()
    flows = tiny.flows.assign(material=tiny.flows["material"].astype(str))
    mass = flows["material"].map(layers.material_factor(tiny, "mass")) * flows["quantity"]
    kinds = flows["kind"].astype(str)
    dispatched = (kinds == "shipment") & (flows["target"].astype(str) == "in_transit")
    crossing = kinds.isin(layers.BOUNDARY_KINDS) | dispatched
    ledger = mass[crossing].groupby(flows.loc[crossing, "material"]).sum()
    ledger = ledger[ledger > 0]
    pd.testing.assert_series_equal(drawn.sort_index(), ledger.sort_index(), check_names=False)
    assert (links["value"] > 0).all()


@pytest.mark.parametrize("level", LEVELS[1:])
def test_a_level_is_the_sum_of_the_level_below(tiny: RunData, level: str) -> None:
    """Sector and cluster links are firm links summed by group; links inside a group go."""
    firm = sankey_links(tiny, top_n=None)
    group = tiny.sector_of() if level == "sector" else dict.fromkeys(tiny.firms, "cluster")
    mapped = firm.assign(source=firm["source"].replace(group), target=firm["target"].replace(group))
    mapped = mapped[mapped["source"] != mapped["target"]]
    expected = mapped.groupby(["source", "target", "material"])["value"].sum()
    got = sankey_links(tiny, level=level).set_index(["source", "target", "material"])["value"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)


def test_top_n_keeps_the_largest_firms_and_the_total(tiny: RunData) -> None:
    """With top_n=2, two firms keep their names, the rest are 'other firms'; totals are kept."""
    every = sankey_links(tiny, top_n=None)
    two = sankey_links(tiny, top_n=2)
    named = (set(two["source"]) | set(two["target"])) & set(tiny.firms)
    assert len(named) == 2
    assert "other firms" in set(two["source"]) | set(two["target"])
    boundary = tiny.boundary
    crossing = lambda f: f[f["source"].isin(boundary) | f["target"].isin(boundary)]  # noqa: E731
    assert crossing(two)["value"].sum() == pytest.approx(crossing(every)["value"].sum())


def test_positions_are_the_same_in_every_step_and_call(tiny: RunData) -> None:
    """The layout depends only on the links; the time control changes only link values."""
    panel = sankey_panel(tiny, Choice(step="week"))
    again = sankey_panel(tiny, Choice(step="week"))
    assert panel.figure.to_json() == again.figure.to_json()
    slider = panel.figure.layout.sliders[0]
    assert len(slider.steps) == 5  # 30 days in weeks
    changed = {key for step in slider.steps for key in step.args[0]}
    assert changed == {"link.value"}


def _column_sums(fig) -> list[float]:
    trace = fig.data[0]
    x = np.asarray(trace.node.x)
    src, dst = np.asarray(trace.link.source), np.asarray(trace.link.target)
    out = []
    for step in fig.layout.sliders[0].steps:
        values = np.asarray(step.args[0]["link.value"][0])
        size = np.maximum(
            np.bincount(src, values, minlength=len(x)), np.bincount(dst, values, minlength=len(x))
        )
        out.append(max(size[x == c].sum() for c in np.unique(x)))
    return out


def test_every_step_has_the_same_scale(tiny: RunData) -> None:
    """The largest column is the same in every step: Plotly draws all steps at one scale."""
    sums = _column_sums(sankey_panel(tiny, Choice(step="week")).figure)
    assert max(sums) == pytest.approx(min(sums))
    assert len(set(np.round(sankey_links(tiny, step_days=7).groupby("step")["value"].sum()))) > 1


@pytest.mark.parametrize("layer", ["mass", "energy", "money"])
def test_the_drawn_balance_closes(tiny: RunData, layer: str) -> None:
    """in − out + made − used − Δstock is rounding, per week, and the figure says so."""
    bal = drawn_balance(tiny, layer=layer, step_days=7)
    scale = bal[["inflow", "outflow", "made", "used"]].abs().to_numpy().max()
    assert np.abs(bal["residual"]).max() <= 1e-9 * scale
    note = sankey_panel(tiny, Choice(layer=layer)).figure.layout.annotations[0].text
    assert "residual" in note
    assert layers.layer_unit(layer) in note


def test_substance_layer_uses_substance_flows(tiny: RunData) -> None:
    """The N layer's boundary links are the N of substance_flows (doubled there: doubled here)."""
    sf = tiny.substance_flows
    doubled = dataclasses.replace(tiny, substance_flows=sf.assign(quantity=2 * sf["quantity"]))
    n_out = sf[(sf["substance"] == "N") & sf["kind"].isin(layers.OUTFLOW_KINDS)]["quantity"].sum()
    for data, factor in ((tiny, 1.0), (doubled, 2.0)):
        links = sankey_links(data, layer="N", top_n=None)
        outflow = links[links["target"].isin(tiny.boundary)]["value"].sum()
        assert outflow == pytest.approx(factor * n_out)
    assert 0 < n_out < sankey_links(tiny, top_n=None)["value"].sum()


def _hand_made() -> RunData:
    nodes = pd.DataFrame({"node": ["a", "b", "in_transit", "import", "export"],
                          "role": ["firm", "firm", "transit", "boundary", "boundary"],
                          "type": ["farm", "mill", "in_transit", "import", "export"]})  # fmt: skip
    materials = pd.DataFrame({"id": ["grain", "heat"], "unit": ["t", "MWh"],
                              "kind": ["product", "energy"], "dimension": ["mass", "energy"],
                              "mass_t_per_unit": [1.0, 0.0], "price_eur_per_unit": [200.0, 30.0],
                              "co2e_t_per_unit": [0.0, 0.0]})  # fmt: skip
    flows = pd.DataFrame({"t_day": [0.0, 1.0, 8.0], "source": ["import", "b", "b"],
                          "target": ["a", "export", "export"], "material": ["grain"] * 3,
                          "quantity": [10.0, 4.0, 2.0],
                          "kind": ["import", "export", "export"]})  # fmt: skip
    shipments = pd.DataFrame({"dispatch_t_day": [0.5, 7.5], "supplier": ["a", "a"],
                              "receiver": ["b", "b"], "material": ["grain", "heat"],
                              "quantity": [6.0, 3.0], "mode": ["truck", "pipeline"]})  # fmt: skip
    stocks = pd.DataFrame({"t_day": [0.0, 14.0], "node": ["a", "a"], "material": ["grain"] * 2,
                           "quantity": [0.0, 0.0]})  # fmt: skip
    return RunData("hand", flows, stocks, nodes, materials, shipments)


def test_hand_made_links_per_step_and_layer() -> None:
    """Weekly steps split by day; energy counts only MWh materials; money at the price."""
    data = _hand_made()
    weekly = sankey_links(data, step_days=7, top_n=None)
    assert weekly.to_dict("records") == [
        {"step": 0, "source": "a", "target": "b", "material": "grain", "value": 6.0},
        {"step": 0, "source": "b", "target": "export", "material": "grain", "value": 4.0},
        {"step": 0, "source": "import", "target": "a", "material": "grain", "value": 10.0},
        {"step": 1, "source": "b", "target": "export", "material": "grain", "value": 2.0},
    ]
    energy = sankey_links(data, layer="energy")
    assert energy[["source", "target", "value"]].values.tolist() == [["a", "b", 3.0]]
    money = sankey_links(data, layer="money", materials=["heat"])
    assert money["value"].tolist() == [90.0]
    assert sankey_links(data, firms=["b"])["source"].tolist() == ["a", "b"]


def test_layout_puts_sources_left_and_sinks_right() -> None:
    """import stands left, export right, a before b (a ships to b)."""
    pos = node_positions(sankey_links(_hand_made()), {"import", "export"}).set_index("node")
    assert pos.loc["import", "x"] < pos.loc["a", "x"] < pos.loc["b", "x"] < pos.loc["export", "x"]
    assert pos["y"].between(0, 1).all()


def test_a_choice_with_no_flow_says_so_instead_of_an_empty_sankey(tiny: RunData) -> None:
    """Plotly cannot draw a Sankey of zeros: the figure says there is nothing to draw."""
    fig = sankey_panel(tiny, Choice(materials=["no_such_material"])).figure
    assert fig.data == ()
    assert fig.layout.annotations[0].text == "nothing flows for this choice"


def test_layers_panel_offers_only_layers_that_flow() -> None:
    """A run without energy (or a substance) gets no button for it, and no error."""
    data = _hand_made()
    data = dataclasses.replace(data, shipments=data.shipments.iloc[:1])  # no heat shipped
    fig = layers_panel(data).figure
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert labels == ["mass", "money"]
