"""The ledger's frame, sorted a segment at a time, is the plain six-key sort of its rows."""

import weakref

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfcsim import ledger as ledger_module
from mfcsim.ledger import BETWEEN_TICKS, FLOW_COLUMNS, KIND_NAMES, Kind, Ledger

NODES = [f"n{i}" for i in range(6)]
MATERIALS = ["a", "b", "c", "d"]


def random_rows(seed: int, n: int, *, in_clock_order: bool) -> pd.DataFrame:
    """Rows with many equal keys (``quantity`` tells them apart), in clock order or not."""
    rng = np.random.default_rng(seed)
    rows = pd.DataFrame({
        "t_day": rng.integers(0, 4, n) + rng.choice([0.0, 0.25, 0.5], n),
        "phase": rng.integers(1, BETWEEN_TICKS + 1, n),
        "source": rng.integers(0, len(NODES), n), "target": rng.integers(0, len(NODES), n),
        "material": rng.integers(0, len(MATERIALS), n), "quantity": np.arange(1.0, n + 1),
        "kind": rng.integers(0, len(Kind), n), "distance_km": rng.random(n),
        "value_eur": rng.random(n), "co2e_t": rng.random(n),
    })  # fmt: skip
    if in_clock_order:
        rows = rows.iloc[np.lexsort((rows["phase"], rows["t_day"]))].reset_index(drop=True)
    return rows


def written(rows: pd.DataFrame, block_rows: int) -> Ledger:
    """A ledger holding ``rows``: runs of one kind and phase by add_many, the rest by add."""
    ledger = Ledger(NODES, MATERIALS)
    start = 0
    while start < len(rows):
        row = rows.iloc[start]
        rest = rows.iloc[start:]
        same = (rest["kind"] == row["kind"]) & (rest["phase"] == row["phase"])
        end = start + min(int(np.argmin(same.to_numpy())) or len(same), block_rows)
        ledger.phase = int(row["phase"])
        if end - start > 1:
            run = rows.iloc[start:end]
            ledger.add_many(
                run["t_day"].to_numpy(), run["source"].to_numpy(), run["target"].to_numpy(),
                run["material"].to_numpy(), run["quantity"].to_numpy(), Kind(int(row["kind"])),
                distance_km=run["distance_km"].to_numpy(), value_eur=run["value_eur"].to_numpy(),
                co2e_t=run["co2e_t"].to_numpy(),
            )  # fmt: skip
        else:
            ledger.add(
                row["t_day"], int(row["source"]), int(row["target"]), int(row["material"]),
                row["quantity"], Kind(int(row["kind"])), distance_km=row["distance_km"],
                value_eur=row["value_eur"], co2e_t=row["co2e_t"],
            )  # fmt: skip
        start = end
    return ledger


def plain_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The definition: a stable sort by the six keys, codes turned into categories."""
    keys = ("kind", "material", "target", "source", "phase", "t_day")
    order = np.lexsort([rows[k] for k in keys])
    out = rows.iloc[order].reset_index(drop=True)
    for name, labels in (("source", NODES), ("target", NODES), ("material", MATERIALS),
                         ("kind", KIND_NAMES)):  # fmt: skip
        out[name] = pd.Categorical.from_codes(out[name].to_numpy(), labels)
    return out[FLOW_COLUMNS].astype({"t_day": "float64"})


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 300),
    st.booleans(),
    st.integers(1, 40),
    st.integers(1, 9),
)
def test_frame_is_the_six_key_sort_of_its_rows(seed, n, in_clock_order, segment_rows, block_rows):
    """Any segment length and any mix of single rows and blocks give the plain sort."""
    rows = random_rows(seed, n, in_clock_order=in_clock_order)
    ledger = written(rows, block_rows)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ledger_module, "_SEGMENT_ROWS", segment_rows)
        frame = ledger.frame()
    pd.testing.assert_frame_equal(frame, plain_frame(rows), check_exact=True)
    assert [frame[k].cat.codes.dtype for k in ("source", "material")] == [np.int8, np.int8]


def test_frame_keeps_one_float_block_and_is_built_once():
    """The float columns are one 2-D block (no copy on the way), and a second call is free."""
    rows = random_rows(1, 50, in_clock_order=True)
    ledger = written(rows, 4)
    frame = ledger.frame()
    floats = [b for b in frame._mgr.blocks if b.dtype == np.float64]
    assert len(floats) == 1
    assert floats[0].shape == (5, 50)
    assert ledger.frame() is frame


def test_chunks_are_released_while_the_frame_fills():
    """Each buffer chunk goes once its rows are in the frame, and on_release hears of it."""
    rows = random_rows(3, 400, in_clock_order=True)
    ledger = written(rows, 7)
    ledger._flush()
    refs = [weakref.ref(chunk) for chunk in ledger._chunks]
    alive: list[int] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ledger_module, "_SEGMENT_ROWS", 16)
        patch.setattr(ledger_module, "_RELEASE_BYTES", 20 * ledger_module.ROW_DTYPE.itemsize)
        frame = ledger.frame(on_release=lambda: alive.append(sum(r() is not None for r in refs)))
    pd.testing.assert_frame_equal(frame, plain_frame(rows), check_exact=True)
    assert len(alive) > 5
    assert alive == sorted(alive, reverse=True)
    assert len(refs) > alive[0] > alive[-2]
    assert all(r() is None for r in refs)


def whole_column_segments(ledger: Ledger) -> tuple[list[tuple[int, int]], bool]:
    """The segments as defined on whole columns (what ``_segments`` computed before)."""
    import itertools

    t_day = np.concatenate([c["t_day"] for c in ledger._chunks])
    phase = np.concatenate([c["phase"] for c in ledger._chunks])
    n = len(t_day)
    if n == 0:
        return [], True
    step = np.diff(t_day)
    if not ((step >= 0.0).all() and (np.diff(phase)[step == 0.0] >= 0).all()):
        return [(0, n)], False
    starts = np.flatnonzero((t_day[1:] != t_day[:-1]) | (phase[1:] != phase[:-1])) + 1
    every = ledger_module._SEGMENT_ROWS
    at = np.searchsorted(starts, np.arange(every, n, every))
    bounds = [0, *np.unique(starts[at[at < len(starts)]]).tolist(), n]
    return list(itertools.pairwise(bounds)), True


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 300), st.booleans(), st.integers(1, 40),
       st.integers(1, 9))  # fmt: skip
def test_segments_read_chunk_by_chunk_are_those_of_the_whole_columns(
    seed, n, in_clock_order, segment_rows, block_rows
):
    """Group starts across chunk ends, and rows out of clock order within or between chunks."""
    ledger = written(random_rows(seed, n, in_clock_order=in_clock_order), block_rows)
    ledger._flush()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ledger_module, "_SEGMENT_ROWS", segment_rows)
        assert ledger._segments() == whole_column_segments(ledger)


def test_segments_take_about_one_chunk_of_memory():
    """No column of the whole ledger is made: numpy's traced peak stays near one chunk's."""
    import tracemalloc

    rows = random_rows(2, 200_000, in_clock_order=True)
    ledger = Ledger(NODES, MATERIALS)
    for start in range(0, len(rows), 1_000):
        run = rows.iloc[start : start + 1_000]
        ledger.phase = 1
        ledger.add_many(
            run["t_day"].to_numpy(), run["source"].to_numpy(), run["target"].to_numpy(),
            run["material"].to_numpy(), run["quantity"].to_numpy(), Kind.PRODUCTION,
        )  # fmt: skip
    ledger._flush()
    tracemalloc.start()
    try:
        ledger._segments()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200_000 * 8 / 4  # a whole t_day column alone would be 1.6 MB
