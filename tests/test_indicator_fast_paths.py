"""The indicators' fast paths give exactly what their plain pandas / numpy definitions give.

Indicators and nutrient balances are summed on category codes (:mod:`mfcsim.coded`), per
period sliced from the sorted ledger; each helper must reproduce its plain expression to the
last bit, because changing a single indicator value is not allowed for speed.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mfcsim import coded
from mfcsim.coded import (
    equals,
    group_sums,
    groupby_sums,
    is_in,
    key_blocks,
    recode,
    time_rows,
    union_names,
)
from mfcsim.indicators.window import sum_by_name
from mfcsim.substances.nutrients import NUTRIENT_COLUMNS, SubstanceRows, nutrient_table
from mfcsim.testing import run_scenario

TINY = Path(__file__).resolve().parents[1] / "scenarios" / "tiny.yaml"


def spread_values(rng: np.random.Generator, n: int) -> np.ndarray:
    """Values over many orders of magnitude and both signs: sums that depend on their order."""
    return rng.random(n) * rng.choice([1e-9, 1.0, 1e9, -7.0], n)


@pytest.mark.parametrize("n", [0, 5, 300, 20_000])
def test_group_sums_are_numpys_masked_sums_bit_for_bit(n):
    rng = np.random.default_rng(n)
    key, values = rng.integers(-2, 9, n), spread_values(rng, n)
    sums = group_sums(key, values, 7)  # keys -2, -1, 7 and 8 are left out
    plain = np.array([values[key == k].sum() for k in range(7)])
    assert np.array_equal(sums, plain)


@pytest.mark.parametrize("n", [0, 40, 5_000])
def test_groupby_sums_are_pandas_two_column_groupby(n):
    rng = np.random.default_rng(n + 1)
    firms = pd.Categorical(rng.choice(["b", "a", "c"], n), categories=["c", "a", "b"])
    mats = pd.Categorical(rng.choice(["x", "y"], n), categories=["y", "x"])
    values = spread_values(rng, n)
    plain = pd.Series(values).groupby([firms, mats], observed=True).sum()
    keys, sums = groupby_sums(firms.codes.astype(np.int64) * 2 + mats.codes, values)
    assert np.array_equal(sums, plain.to_numpy())
    assert [(firms.categories[k // 2], mats.categories[k % 2]) for k in keys] == list(plain.index)


def test_key_blocks_take_consecutive_keys_up_to_a_number_of_rows() -> None:
    """Rows per key 3, 0, 2, 5, 1 in blocks of at most 4: a key of 5 rows is alone."""
    assert key_blocks(np.array([3, 0, 2, 5, 1]), 4).tolist() == [0, 0, 1, 2, 3]
    assert key_blocks(np.array([1, 1, 1]), 10).tolist() == [0, 0, 0]


@pytest.mark.parametrize("dtype", [np.int16, np.uint16, np.int64])
def test_groupby_sums_in_blocks_are_pandas_groupby_bit_for_bit(monkeypatch, dtype) -> None:
    """A long key of small numbers, summed block by block, gives pandas' sums exactly."""
    rng = np.random.default_rng(7)
    key = rng.integers(0, 300, 20_000).astype(dtype)
    key[rng.random(20_000) < 0.3] = 17  # one key with more rows than a block
    values = spread_values(rng, 20_000)
    plain = pd.Series(values).groupby(key).sum()
    monkeypatch.setattr(coded, "BLOCK_ROWS", 500)
    keys, sums = groupby_sums(key, values)
    assert keys.tolist() == plain.index.tolist()
    assert np.array_equal(sums, plain.to_numpy())


def test_sum_by_name_is_groupby_on_the_names():
    rng = np.random.default_rng(3)
    names = ["pigs", "in_transit", "bakery", "Zeeland", "dairy_10", "dairy_9"]
    codes, values = rng.integers(0, 5, 2_000), spread_values(rng, 2_000)
    plain = pd.Series(values).groupby(np.array(names, dtype=object)[codes]).sum()
    fast = sum_by_name(codes, names, values)
    assert list(fast.index) == list(plain.index)
    assert np.array_equal(fast.to_numpy(), plain.to_numpy())


@pytest.mark.parametrize("as_category", [True, False])
def test_is_in_is_isin(as_category):
    column = pd.Series(["import", "shipment", None, "export", "import"], dtype=object)
    if as_category:
        column = column.astype("category")
    names = ("import", "export")
    assert is_in(column, names).tolist() == column.isin(names).tolist()


@pytest.mark.parametrize("as_category", [True, False])
def test_equals_is_one_names_is_in(as_category):
    column = pd.Series(["import", "shipment", None, "export", "import"], dtype=object)
    if as_category:
        column = column.astype("category")
    assert equals(column, "import").tolist() == [True, False, False, False, True]
    assert equals(column, "disposal").tolist() == [False] * 5  # not among the values


def test_time_rows_slice_a_sorted_column_and_mask_others():
    t = np.array([0.0, 0.0, 1.0, 2.5, 3.0, 3.0, 7.0])
    rows = time_rows(t, 1.0, 3.0)
    assert isinstance(rows, slice)
    assert np.array_equal(np.arange(len(t))[rows], np.flatnonzero((t >= 1.0) & (t < 3.0)))
    shuffled = t[[3, 0, 6, 2, 1, 5, 4]]
    mask = time_rows(shuffled, 1.0, 3.0)
    assert np.array_equal(mask, (shuffled >= 1.0) & (shuffled < 3.0))


@pytest.fixture(scope="module")
def tiny():
    return run_scenario(TINY)


def plain_nutrient_rows(flows: pd.DataFrame, substance: str, firms: list[str]) -> np.ndarray:
    """The farm-gate balance by its definition: one boolean mask per firm, column and sink."""
    flows = flows[flows["substance"].astype(str) == substance]
    src, dst = flows["source"].astype(str).to_numpy(), flows["target"].astype(str).to_numpy()
    kind, q = flows["kind"].astype(str).to_numpy(), flows["quantity"].to_numpy()
    own = src == dst
    inside = np.isin(src, [*firms, "in_transit"]), np.isin(dst, [*firms, "in_transit"])
    scopes = [(dst == f, src == f, own & (dst == f), own) for f in firms]
    scopes.append(
        (~inside[0] & inside[1], inside[0] & ~inside[1], own & inside[1], own & inside[1])
    )
    table = []
    for into, out_of, inner, own_rows in scopes:
        inputs = q[into & ~own_rows & np.isin(kind, ["shipment", "import", "extraction"])].sum()
        outputs = q[out_of & ~own_rows & np.isin(kind, ["shipment", "export", "disposal",
                                                         "final_consumption"])].sum()  # fmt: skip
        lost = [q[out_of & ~own_rows & (kind == "emission") & (dst == s)].sum()
                for s in ("air", "water", "soil")]  # fmt: skip
        made, used = (
            q[inner & (kind == "production")].sum(),
            q[inner & (kind == "consumption")].sum(),
        )
        change = inputs + made - outputs - used - sum(lost)
        table.append([inputs, outputs, *lost, change, inputs - outputs - change])
    return np.array(table)


def test_nutrient_table_is_its_masked_definition(tiny):
    land = {fid: firm.land_ha for fid, firm in tiny.scenario.firms.items()}
    flows = tiny.substance_flows
    for substance in tiny.substance_replay.substances:
        table = nutrient_table(flows, substance, land)[NUTRIENT_COLUMNS[:7]].to_numpy()
        assert np.abs(table).sum() > 0  # something to compare
        assert np.array_equal(table, plain_nutrient_rows(flows, substance, list(land)))


def test_a_periods_nutrient_table_is_that_of_the_periods_rows(tiny):
    land = {fid: firm.land_ha for fid, firm in tiny.scenario.firms.items()}
    flows = tiny.substance_flows
    t = flows["t_day"].to_numpy()
    period = flows[(t >= 10.0) & (t < 20.0)]
    sliced = SubstanceRows(flows, list(land)).table("N", land, 10.0, 20.0)
    pd.testing.assert_frame_equal(sliced, nutrient_table(period, "N", land), check_exact=True)


def test_recode_numbers_values_by_their_place_among_the_union_of_names() -> None:
    """union_names: categories or unique values, first seen first; recode: -1 if absent."""
    plain = pd.Series(["b", "a", "b", "c"])
    coded = pd.Series(["x", "a"], dtype=pd.CategoricalDtype(["x", "a", "unused"]))
    names = union_names((plain, coded))
    assert names == ["b", "a", "c", "x", "unused"]
    assert recode(plain, names).tolist() == [0, 1, 0, 2]
    assert recode(coded, names).tolist() == [3, 1]
    assert recode(plain, ["a", "b"]).tolist() == [1, 0, 1, -1]
    assert recode(plain, names).dtype == np.int64


def test_narrow_recode_keeps_codes_where_they_are_the_numbering_else_narrows() -> None:
    """narrow: the category codes as they are where the categories lead ``names``, else the
    positions in the narrowest signed type that holds them and -1."""
    leading = pd.Series(["b", "a", "b"], dtype=pd.CategoricalDtype(["a", "b"]))
    names = ["a", "b", "c"]
    kept = recode(leading, names, narrow=True)
    assert kept.tolist() == recode(leading, names).tolist() == [1, 0, 1]
    assert kept.dtype == np.int8  # no int64 copy
    other = pd.Series(["b", "a"], dtype=pd.CategoricalDtype(["b", "a"]))  # another order
    assert recode(other, names, narrow=True).tolist() == [1, 0]
    assert recode(other, names, narrow=True).dtype == np.int8
    many = [f"n{i}" for i in range(200)]  # 200 names: past int8
    absent = pd.Series(["n150", "zz", "n3"], dtype=pd.CategoricalDtype(["zz", "n3", "n150"]))
    assert recode(absent, many, narrow=True).tolist() == [150, -1, 3]
    assert recode(absent, many, narrow=True).dtype == np.int16
    missing = pd.Series(["b", None, "a"], dtype=pd.CategoricalDtype(["a", "b"]))
    assert recode(missing, names).tolist() == [1, -1, 0]  # not the last category's place
    assert recode(missing, names, narrow=True).tolist() == [1, -1, 0]
