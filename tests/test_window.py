"""Window.positions, rows and take: the ledger rows of a kind, narrow, on a hand-made ledger."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from mfcsim.indicators.periods import Period
from mfcsim.indicators.window import Window
from mfcsim.testing import run_scenario

TINY = Path(__file__).resolve().parents[1] / "scenarios" / "tiny.yaml"

#: t_day, source, target, material, quantity, kind, distance_km (value_eur, co2e_t: 0).
LEDGER = [
    (0.0, "market", "farm", "wheat", 10.0, "import", 0.0),
    (0.0, "farm", "in_transit", "manure", 4.0, "shipment", 5.0),
    (1.0, "in_transit", "dairy", "manure", 4.0, "shipment", 0.0),
    (1.0, "market", "dairy", "water", 100.0, "import", 0.0),
    (1.0, "market", "dairy", "power", 3.0, "import", 0.0),
    (2.0, "dairy", "dairy", "milk", 2.0, "production", 0.0),
    (2.0, "dairy", "market", "milk", 2.0, "export", 0.0),
    (3.0, "market", "farm", "wheat", 5.0, "import", 0.0),
]
#: id, kind, mass_t_per_unit, water, unit.
MATERIALS = [
    ("wheat", "raw_material", 1.0, False, "t"),
    ("manure", "residue", 1.0, False, "t"),
    ("water", "raw_material", 1.0, True, "t"),
    ("power", "energy", 0.0, False, "MWh"),
    ("milk", "product", 1.03, False, "m3"),
]


def hand_window(start_day: float = 0.0, end_day: float = 4.0) -> Window:
    """A window on the ledger above (no simulation: the frames a Window reads)."""
    columns = ["t_day", "source", "target", "material", "quantity", "kind", "distance_km"]
    flows = pd.DataFrame(LEDGER, columns=columns)
    for name in ("source", "target", "material", "kind"):
        flows[name] = flows[name].astype("category")
    flows["value_eur"] = 0.0
    flows["co2e_t"] = 0.0
    materials = pd.DataFrame(MATERIALS, columns=["id", "kind", "mass_t_per_unit", "water", "unit"])
    results = SimpleNamespace(flows=flows, materials=materials, extra={})
    return Window(results, Period("test", start_day, end_day))  # type: ignore[arg-type]


def test_positions_of_a_kind_are_its_rows_in_ledger_order() -> None:
    window = hand_window()
    assert window.positions("import").tolist() == [0, 3, 4, 7]
    assert window.positions("import", material_only=True).tolist() == [0, 7]  # water, MWh out
    assert window.positions("shipment").tolist() == [1]  # the arrival repeats the dispatch
    assert window.positions("emission").tolist() == []
    assert window.positions("import").dtype == np.int32


def test_positions_count_from_the_periods_first_row() -> None:
    window = hand_window(1.0, 3.0)  # ledger rows 2 to 6
    assert window.positions("import").tolist() == [1, 2]
    assert list(window.rows("import", ("material",)).index) == [3, 4]  # the ledger's labels


def test_rows_hold_only_the_columns_asked_for_with_mass_computed() -> None:
    rows = hand_window().rows("import", ("target", "mass_t"))
    assert list(rows.columns) == ["target", "mass_t"]
    assert list(rows.index) == [0, 3, 4, 7]
    assert rows["mass_t"].tolist() == [10.0, 100.0, 0.0, 5.0]
    assert rows["target"].tolist() == ["farm", "dairy", "dairy", "farm"]
    assert isinstance(rows["target"].dtype, pd.CategoricalDtype)


def test_rows_of_several_kinds_and_of_chosen_materials() -> None:
    window = hand_window()
    both = window.rows(("export", "import"), ("material", "mass_t"), material_only=True)
    assert list(both.index) == [0, 6, 7]  # ledger order, whatever the order of the kinds
    assert both["mass_t"].tolist() == [10.0, 2.0 * 1.03, 5.0]
    wheat = window.rows("import", ("quantity",), materials=["wheat", "milk"])
    assert wheat["quantity"].tolist() == [10.0, 5.0]
    assert window.rows("import", ("quantity",), materials=[]).empty


def test_take_keeps_the_order_of_the_positions_given() -> None:
    rows = hand_window().take(np.array([5, 1]), ("kind", "is_material", "distance_km"))
    assert rows["kind"].tolist() == ["production", "shipment"]
    assert rows["is_material"].tolist() == [True, True]
    assert rows["distance_km"].tolist() == [0.0, 5.0]


def whole_rows(window: Window, kind: str, *, material_only: bool) -> pd.DataFrame:
    """The rows as ``Window.rows`` gave them before it took positions: masked whole rows."""
    flows = window.flows
    mask = (flows["kind"] == kind).to_numpy().copy()
    if kind == "shipment":
        mask &= (flows["source"] != "in_transit").to_numpy()
    if material_only:
        mask &= flows["is_material"].to_numpy()
    return flows[mask]


@pytest.mark.parametrize("material_only", [False, True])
def test_rows_without_columns_are_the_whole_rows_of_a_run(material_only: bool) -> None:
    results = run_scenario(TINY, days=10)
    window = Window(results, Period("mid", 3.0, 8.0))
    compared = 0
    for kind in results.flows["kind"].cat.categories:
        want = whole_rows(window, kind, material_only=material_only)
        got = window.rows(kind, material_only=material_only)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        compared += len(got)
    assert compared > 100
