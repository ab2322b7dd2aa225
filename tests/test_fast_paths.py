"""The engine's fast paths give what their plain definitions give.

Each fast path (issue 4) has a plain definition it must reproduce exactly: the ledger's
canonical order (a six-key stable sort), the agent's candidate arcs (the k nearest offers
with a route), pair distances cached in a matrix or in a sorted table, and shipments
arriving in bulk at the next tick (in the order one SimPy event per shipment would fire).
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfcsim.agent import neighbours, routes
from mfcsim.agent.arcs import nearest_arc_columns
from mfcsim.agent.clearing import ProblemArrays, greedy_order
from mfcsim.agent.neighbours import NeighbourIndex, _nearest_columns
from mfcsim.agent.order import sort_within_blocks, stable_argsort
from mfcsim.engine.simulation import Simulation
from mfcsim.ledger import BETWEEN_TICKS, ROW_DTYPE, Kind, canonical_order
from mfcsim.network import TransportNetwork
from mfcsim.scenario.generate import synthetic_cluster
from mfcsim.scenario.load import load_scenario, scenario_from_dict
from mfcsim.testing import ledger_digest, run_scenario

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "ledger_digests.json"


def six_key_order(data: np.ndarray) -> np.ndarray:
    return np.lexsort((data["kind"], data["material"], data["target"], data["source"],
                       data["phase"], data["t_day"]))  # fmt: skip


def ledger_rows(seed: int, n: int, *, in_clock_order: bool) -> np.ndarray:
    rng = np.random.default_rng(seed)
    data = np.zeros(n, dtype=ROW_DTYPE)
    data["t_day"] = rng.integers(0, 4, n) + rng.choice([0.0, 0.25, 0.5], n)
    data["phase"] = rng.integers(1, BETWEEN_TICKS + 1, n)
    for name, high in (("source", 6), ("target", 6), ("material", 4), ("kind", len(Kind))):
        data[name] = rng.integers(0, high, n)
    data["quantity"] = np.arange(n)  # tells rows with equal keys apart
    if in_clock_order:
        data = data[np.lexsort((data["phase"], data["t_day"]))]
    return data


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 300), st.booleans())
def test_canonical_order_is_the_six_key_stable_sort(seed, n, in_clock_order):
    """Rows in (t_day, phase) order take the packed-key path; others the full sort."""
    data = ledger_rows(seed, n, in_clock_order=in_clock_order)
    assert canonical_order(data).tolist() == six_key_order(data).tolist()


def brute_force_arcs(offers, requests, routable, k, positions):
    """For each request: the k nearest offers of its material with a route, not its own."""
    out = []
    for j, (firm, material) in enumerate(requests):
        hits = []
        for i, (o_firm, o_material, qty) in enumerate(offers):
            if o_material == material and qty > 0 and o_firm != firm and routable[o_firm, firm]:
                km = float(np.hypot(*(positions[o_firm] - positions[firm])))
                hits.append((km, i))
        out.extend((i, j) for _, i in sorted(hits)[:k])
    return out


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4))
def test_nearest_arcs_are_the_k_nearest_offers_with_a_route(seed, k):
    """With route km equal to planar km, the arcs are the brute-force k nearest routable."""
    rng = np.random.default_rng(seed)
    n_firms = 25
    positions = rng.uniform(0, 60, (n_firms, 2))
    routable = rng.random((n_firms, n_firms)) < 0.6
    pairs = sorted({(int(f), int(m)) for f, m in rng.integers(0, [n_firms, 3], (30, 2))})
    offers = [(f, m, float(rng.choice([0.0, 1.0, 2.0]))) for f, m in pairs]  # one a firm
    requests = [(int(f), int(rng.integers(0, 3))) for f in rng.integers(0, n_firms, 12)]
    offer_firm = np.array([o[0] for o in offers])
    request_firm = np.array([r[0] for r in requests])

    def route_columns(offer_rows, request_rows):
        source, target = offer_firm[offer_rows], request_firm[request_rows]
        km = np.hypot(*(positions[source] - positions[target]).T)
        return routable[source, target], km * 2.0, km, np.full(len(km), -1)

    arcs = nearest_arc_columns(
        offer_firm, np.array([o[1] for o in offers]), np.array([o[2] for o in offers]),
        request_firm, np.array([r[1] for r in requests]), route_columns, {}, k, positions,
    )  # fmt: skip
    got = list(zip(arcs.offer.tolist(), arcs.request.tolist(), strict=True))
    assert got == brute_force_arcs(offers, requests, routable, k, positions)
    assert arcs.cost.tolist() == (2.0 * arcs.km).tolist()


@settings(max_examples=30, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 12),
    st.sampled_from([3, 1 << 20]),
    st.sampled_from([0, 1 << 18]),
)
def test_neighbour_lists_kept_across_days_give_the_k_d_tree_s_arcs(seed, k, chunk, brute):
    """Day after day (offers coming and going, new firms offering, few offers among many
    offering firms), the kept lists give the arcs a k-d tree over the day's offers gives."""
    rng = np.random.default_rng(seed)
    n_firms, n_materials = 60, 3
    positions = rng.uniform(0, 60, (n_firms, 2))  # no two firms at one distance
    substitutes = {0: [(2, 0.5)]}
    index = NeighbourIndex(positions, kept=3)
    saved = neighbours.CHUNK_PAIRS, neighbours.BRUTE_FORCE_PAIRS
    neighbours.CHUNK_PAIRS, neighbours.BRUTE_FORCE_PAIRS = chunk, brute
    try:
        for day in range(8):
            share = [0.05, 0.5, 0.9][day % 3]  # sparse days too
            offered = rng.random((n_firms, n_materials)) < share * (1 + day) / 8
            offer_firm, offer_material = np.nonzero(offered)
            quantity = rng.choice([0.0, 1.0, 2.0], len(offer_firm))
            request_firm = rng.integers(0, n_firms, 25)
            request_material = rng.integers(0, n_materials, 25)

            def route_columns(o, r, offer_firm=offer_firm, request_firm=request_firm):
                km = np.hypot(*(positions[offer_firm[o]] - positions[request_firm[r]]).T)
                return km < 45.0, km * 2.0, km, np.full(len(km), -1)

            args = (offer_firm, offer_material, quantity, request_firm, request_material,
                    route_columns, substitutes, k, positions)  # fmt: skip
            tree, kept = nearest_arc_columns(*args), nearest_arc_columns(*args, index)
            for name in ("offer", "request", "factor", "cost", "km", "capacity"):
                assert getattr(kept, name).tolist() == getattr(tree, name).tolist(), (day, name)
    finally:
        neighbours.CHUNK_PAIRS, neighbours.BRUTE_FORCE_PAIRS = saved


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 15), st.integers(1, 40))
def test_tree_over_today_s_offers_orders_ties_by_firm_as_measuring_all_does(seed, want, n_live):
    """Firms on a coarse grid (many at one distance): the k-d tree path, ties by firm."""
    rng = np.random.default_rng(seed)
    positions = rng.integers(0, 4, (50, 2)).astype(float)
    index = NeighbourIndex(positions)
    live = np.sort(rng.choice(50, size=n_live, replace=False))
    firms = rng.integers(0, 50, 30)
    expected = index._by_distance(live, firms, min(want, n_live))
    saved, neighbours.BRUTE_FORCE_PAIRS = neighbours.BRUTE_FORCE_PAIRS, 0
    try:
        assert index._among(live, firms, want).tolist() == expected.tolist()
    finally:
        neighbours.BRUTE_FORCE_PAIRS = saved


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(1, 200), st.integers(1, 60))
def test_nearest_columns_are_the_stable_argsort_s_first(seed, n_rows, n_cols, width):
    """The partition shortcut gives the first columns of a stable argsort, ties included."""
    rng = np.random.default_rng(seed)
    d2 = np.round(rng.uniform(0, 5, (n_rows, n_cols)), int(rng.integers(0, 3)))
    expected = np.argsort(d2, axis=1, kind="stable")[:, :width]
    assert _nearest_columns(d2, width).tolist() == expected.tolist()


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 60), st.integers(1, 6))
def test_sorting_within_blocks_is_the_full_stable_sort(seed, n, n_blocks):
    """Blocks in place, rows mostly ordered: the same permutation as np.lexsort."""
    rng = np.random.default_rng(seed)
    block = np.sort(rng.integers(0, n_blocks, n))
    km = np.round(rng.uniform(0, 3, n), 0)  # ties on purpose
    flag = rng.random(n) < 0.3
    if rng.random() < 0.5:  # mostly sorted, as the agent's arcs come
        o = np.lexsort((km, flag, block))
        km, flag = km[o], flag[o]
    if rng.random() < 0.2:
        block = rng.permutation(block)  # not in place: the full sort
    expected = np.lexsort((km, flag, block))
    assert sort_within_blocks(block, (km, flag)).tolist() == expected.tolist()


@settings(max_examples=120, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 300),
    st.sampled_from(["float", "float-ties", "signed-zero", "nan", "small-int", "big-int"]),
)
def test_stable_argsort_is_numpy_s_stable_argsort(seed, n, kind):
    """Floats with and without ties (and ±0, NaN), 16-bit and wider integers: the same order."""
    rng = np.random.default_rng(seed)
    keys = {
        "float": lambda: rng.normal(size=n),
        "float-ties": lambda: np.round(rng.normal(size=n), 1),
        "signed-zero": lambda: rng.choice([-0.0, 0.0, 1.0, -1.0], n),
        "nan": lambda: np.where(rng.random(n) < 0.2, np.nan, np.round(rng.normal(size=n), 1)),
        "small-int": lambda: rng.integers(0, 70, n),
        "big-int": lambda: rng.integers(-3, 4, n) * 2**33 + rng.integers(0, 2, n),
    }[kind]()
    expected = np.argsort(keys, kind="stable")
    assert stable_argsort(keys).tolist() == expected.tolist()


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.booleans())
def test_greedy_order_is_the_three_key_sort(seed, n_requests, grouped):
    """Arcs grouped by request or not: greedy walks them by (rank, factored, km, index)."""
    rng = np.random.default_rng(seed)
    n_arcs = int(rng.integers(0, 50))
    request = rng.integers(0, n_requests, n_arcs)
    if grouped:
        request = np.sort(request)
    factor = rng.choice([1.0, 1.0, 0.5, 2.0], n_arcs)
    km = np.round(rng.uniform(0, 4, n_arcs), 0)
    priority = rng.integers(0, 2, n_requests)
    e = np.empty(0)
    p = ProblemArrays(
        np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), np.ones(1), np.zeros(1),
        np.arange(n_requests), np.zeros(n_requests, dtype=np.int64), np.ones(n_requests),
        priority, np.ones(n_requests), np.zeros(n_arcs, dtype=np.int64), request, factor,
        np.zeros(n_arcs), km, np.full(n_arcs, -1), e,
    )  # fmt: skip
    rank = np.empty(n_requests, dtype=np.int64)
    rank[np.lexsort((np.arange(n_requests), priority))] = np.arange(n_requests)
    expected = np.lexsort((km, factor != 1.0, rank[request]))
    assert greedy_order(p).tolist() == expected.tolist()


@pytest.mark.parametrize("where", ["default", "synthetic", "links"])
def test_many_pair_distances_are_those_of_single_pairs(where):
    """distances_km (one loop) gives distance_km's numbers bit for bit: lat/lon, x/y, links."""
    if where == "default":
        scenario = load_scenario(ROOT / "scenarios" / "default.yaml")
    else:
        data = synthetic_cluster(30, seed=5, days=5, policy="none")
        if where == "links":
            a, b, c = list(data["firms"])[:3]
            data["network"] = {**data.get("network", {}), "links": [
                {"source": a, "target": b, "distance": 3.5},
                {"source": b, "target": c, "distance": 4.25},
            ]}  # fmt: skip
        scenario = scenario_from_dict(data)
    network = TransportNetwork(scenario)
    ids = list(scenario.firms)
    source, target = np.divmod(np.arange(len(ids) ** 2), len(ids))
    many = network.distances_km(source, target)
    fresh = TransportNetwork(scenario)
    single = [fresh.distance_km(ids[s], ids[t]) for s, t in zip(source, target, strict=True)]
    assert many.tolist() == single


def test_pair_distances_from_the_table_equal_those_from_the_matrix(monkeypatch):
    """Above DENSE_FIRMS firms, distances come from a sorted table: the same ledger."""
    monkeypatch.setattr(routes, "DENSE_FIRMS", 0)
    results = run_scenario(synthetic_cluster(40, seed=3, days=20, policy="greedy"))
    assert ledger_digest(results) == json.loads(GOLDEN.read_text())["synthetic40-greedy"]


def test_arrivals_apply_strictly_before_now_in_simpy_order():
    """Arrivals before ``now`` land in (arrival, dispatch) order, recorded at their time."""
    sim = Simulation(scenario_from_dict(synthetic_cluster(10, seed=1, days=5, policy="none")))
    sim.stock[:] = 10.0
    one = np.ones(4)
    sim.transport.ship_many(
        0.0, np.array([0, 1, 2, 3]), np.array([5, 5, 6, 5]), np.zeros(4, dtype=np.int64),
        np.array([1.0, 2.0, 3.0, 4.0]), distance_km=one,
        duration_day=np.array([1.0, 0.5, 0.5, 2.0]),
        cost_eur_per_unit_km=one, cost_eur_per_unit=0 * one, co2e_t_per_tkm=one,
        mode=np.zeros(4, dtype=np.int64), requested=np.zeros(4, dtype=np.int64), origin="test",
    )  # fmt: skip
    before = sim.stock.copy()
    sim.transport.deliver_due(1.0)  # the lots of day 0.5 arrive; the one at exactly 1 waits
    assert sim.stock[5, 0] - before[5, 0] == 2.0
    assert sim.stock[6, 0] - before[6, 0] == 3.0
    assert sim.transport.pending[5, 0] == 5.0
    sim.transport.deliver_due(2.5)
    assert sim.stock[5, 0] - before[5, 0] == 7.0
    assert sim.transport.pending.sum() == 0.0
    assert sim.stock[sim.transit_node, 0] == before[sim.transit_node, 0] - 10.0
    # a row of a daily phase on day 1, from a node that sorts after in_transit
    last_node = len(sim.ledger.nodes) - 1
    assert last_node > sim.transit_node
    sim.ledger.phase = BETWEEN_TICKS - 1
    sim.ledger.add(1.0, last_node, 5, 0, 1.0, Kind.IMPORT)
    flows = sim.ledger.frame()
    codes = flows["source"].cat.codes.to_numpy()
    arrivals = flows[(codes == sim.transit_node) & (flows["kind"] == "shipment").to_numpy()]
    assert arrivals["t_day"].tolist() == [0.5, 0.5, 1.0, 2.0]
    assert arrivals["target"].cat.codes.tolist() == [5, 6, 5, 5]
    # written between the ticks: after the day's phases, whatever their nodes
    day_one = flows.index[flows["t_day"] == 1.0]
    assert codes[day_one].tolist() == [last_node, sim.transit_node]


@pytest.mark.parametrize("dropped", [0.0, 0.4])
def test_add_many_writes_the_rows_add_writes_one_by_one(dropped):
    """Whole arrays, scalars (zero or not) and dropped rows, as single ``add`` calls give."""
    from mfcsim.ledger import Ledger

    rng = np.random.default_rng(7)
    n = 50
    q = np.where(rng.random(n) < dropped, -rng.random(n), rng.random(n) + 0.1)
    src, tgt, mat = (rng.integers(0, 9, n) for _ in range(3))
    value, co2e = rng.random(n), 0.25
    names = [f"x{i}" for i in range(9)]
    bulk, single = Ledger(names, names), Ledger(names, names)
    bulk.phase = single.phase = 4
    bulk.add_many(3.0, src, tgt, mat, q, Kind.EXPORT, value_eur=value, co2e_t=co2e)
    for i in range(n):
        single.add(3.0, int(src[i]), int(tgt[i]), int(mat[i]), float(q[i]), Kind.EXPORT,
                   value_eur=float(value[i]), co2e_t=co2e)  # fmt: skip
    assert len(bulk) == len(single) == int((q > 0.0).sum())
    pd.testing.assert_frame_equal(bulk.frame(), single.frame(), check_exact=True)


def test_bulk_shipments_and_arrivals_move_each_cell_as_one_at_a_time():
    """ship_many and deliver_due on repeated (firm, material) cells: each lot in turn."""
    sim = Simulation(scenario_from_dict(synthetic_cluster(10, seed=1, days=5, policy="none")))
    rng = np.random.default_rng(3)
    n, n_mat = 40, len(sim.materials)
    sim.stock[:] = rng.random(sim.stock.shape) * 100.0
    source, target = rng.integers(0, 4, n), rng.integers(4, 7, n)
    m, amount = rng.integers(0, n_mat, n), rng.random(n) * 3.0
    expected, pending = sim.stock.copy(), np.zeros_like(sim.transport.pending)
    for i in range(n):
        expected[source[i], m[i]] -= amount[i]
        expected[sim.transit_node, m[i]] += amount[i]
        pending[target[i], m[i]] += amount[i]
    one = np.ones(n)
    sim.transport.ship_many(
        0.0, source, target, m, amount, distance_km=one, duration_day=0.5 * one,
        cost_eur_per_unit_km=one, cost_eur_per_unit=0 * one, co2e_t_per_tkm=one,
        mode=np.zeros(n, dtype=np.int64), requested=m, origin="test",
    )  # fmt: skip
    assert sim.stock.tobytes() == expected.tobytes()
    assert sim.transport.pending.tobytes() == pending.tobytes()
    for i in range(n):
        expected[sim.transit_node, m[i]] -= amount[i]
        expected[target[i], m[i]] += amount[i]
        pending[target[i], m[i]] -= amount[i]
    sim.transport.deliver_due(1.0)
    assert sim.stock.tobytes() == expected.tobytes()
    assert sim.transport.pending.tobytes() == pending.tobytes()


@pytest.mark.parametrize("seed", [1, 2])
def test_surplus_on_its_cells_is_the_plain_surplus(seed):
    """Kernel.surplus (export and overflow cells) against kernel_surplus.surplus over every cell."""
    from mfcsim.engine.kernel.surplus import surplus

    data = synthetic_cluster(30, seed=seed, days=5, policy="none")
    fast, plain = (Simulation(scenario_from_dict(data)) for _ in range(2))
    rng = np.random.default_rng(seed)
    shape = fast.stock.shape
    stock = np.where(rng.random(shape) < 0.3, 0.0, rng.normal(5.0, 5.0, shape))
    reserved = np.where(rng.random(fast.reserved.shape) < 0.2, 2.0, 0.0)
    active = rng.random(len(fast.firms)) < 0.8
    for sim in (fast, plain):
        sim.stock[:] = stock
        sim.reserved[:] = reserved
        sim.ledger.phase = 7
    fast.kernel.surplus(3, active)
    surplus(plain.state, plain.world, plain.ledger, plain.market, 3, active)
    assert len(fast.ledger) > 0
    assert fast.stock.tobytes() == plain.stock.tobytes()
    pd.testing.assert_frame_equal(fast.ledger.frame(), plain.ledger.frame(), check_exact=True)


def test_disposal_arrays_follow_a_policy_on_a_route():
    """The market's cached per-material disposal terms are rebuilt after ``set``."""
    sim = Simulation(scenario_from_dict(synthetic_cluster(10, seed=1, days=5, policy="none")))
    market = sim.market
    m = next(i for i, name in enumerate(market.disposal_route) if name in market.routes)
    route = market.disposal_route[m]
    assert market.disposal_arrays()[1][m] == market.disposal(m).gate_fee
    market.set(f"boundary.disposal.{route}.gate_fee", 123.5)
    market.set(f"boundary.disposal.{route}.co2e", 0.75)
    node, fee, co2e = market.disposal_arrays()
    assert (node[m], fee[m], co2e[m]) == (market.routes[route].node, 123.5, 0.75)
