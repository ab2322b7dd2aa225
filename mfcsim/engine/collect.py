"""Collect a finished run's live state into the frames of :class:`~mfcsim.results.Results`.

The engine's arrays and buffers (ledger, snapshots, service rows, activity, shipments,
events) become tidy frames here, once, after the last day; nothing is checked or derived
(the mass balance is checked by :meth:`Results.check_balance`, indicators and substance
flows are views computed from the frames). The buffers are released as their frames are
built, and the agent's cache of pair distances before, so that the run's memory after the
last day is the frames' (see benchmarks/README.md, "Memory at 10,000 firms").
"""

from __future__ import annotations

import datetime as dt
import math
import platform
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mfcsim.coded import categorical, is_in
from mfcsim.engine.per_firm import vectorisable
from mfcsim.engine.provenance import provenance
from mfcsim.ghg import GWP
from mfcsim.heap import return_freed_memory
from mfcsim.results import Results
from mfcsim.runfolder import FORMAT_VERSION

if TYPE_CHECKING:
    from mfcsim.engine.simulation import Simulation
    from mfcsim.scenario.root import Scenario

PACKAGES = (
    "mfcsim",
    "simpy",
    "numpy",
    "pandas",
    "pyarrow",
    "pydantic",
    "networkx",
    "pint",
    "scipy",
)


NODE_PLACE = ("lat", "lon", "x_km", "y_km")


def _node_roles(sim: Simulation) -> pd.DataFrame:
    """Every node with its role, type, sector and a firm's location.

    Role: firm, transit or boundary; type: the firm type or the boundary kind; sector: a
    firm's type for now; location: lat/lon or x_km/y_km, the other pair NaN.
    """
    firms = [(f.id, "firm", f.type_name) for f in sim.firms]
    routes = set(sim.scenario.boundary.disposal)
    others = [
        (n, "transit" if n == "in_transit" else "boundary", "disposal" if n in routes else n)
        for n in sim.nodes[len(sim.firms) :]
    ]
    frame = pd.DataFrame(firms + others, columns=["node", "role", "type"])
    frame["sector"] = frame["type"].where(frame["role"] == "firm")
    places = [sim.scenario.firms[f.id].location for f in sim.firms]
    for key in NODE_PLACE:
        column = [getattr(p, key) for p in places] + [None] * len(others)
        frame[key] = pd.to_numeric(pd.Series(column, dtype=object), errors="coerce")
    return frame


def _materials_frame(scenario: Scenario) -> pd.DataFrame:
    rows = []
    substances = sorted({s for m in scenario.materials.values() for s in m.composition})
    for mid, m in scenario.materials.items():
        row: dict[str, Any] = {
            "id": mid,
            "unit": m.unit,
            "kind": m.kind,
            "dimension": m.dimension,
            "mass_t_per_unit": m.mass_t_per_unit,
            "price_eur_per_unit": m.price,
            "co2e_t_per_unit": m.co2e,
            "water": m.water,
            "harvested": m.harvested,
            "ghg": m.ghg or "",
            "ghg_category": m.ghg_category or "",
        }
        row.update({f"x_{s}": m.composition.get(s, 0.0) for s in substances})
        rows.append(row)
    return pd.DataFrame(rows)


def _stocks_frame(sim: Simulation) -> pd.DataFrame:
    held = np.zeros(sim.snapshots[0].shape, dtype=bool)  # (nodes, materials)
    for snap in sim.snapshots:
        held |= snap != 0.0
    ever = np.flatnonzero(held.ravel())
    node_idx, mat_idx = np.divmod(ever, held.shape[1])
    times = np.arange(len(sim.snapshots), dtype=np.float64)
    values = np.stack([snap.ravel()[ever] for snap in sim.snapshots])  # (times, cells held)
    return pd.DataFrame(
        {
            "t_day": np.repeat(times, len(ever)),
            "node": pd.Categorical.from_codes(np.tile(node_idx, len(times)), categories=sim.nodes),
            "material": pd.Categorical.from_codes(
                np.tile(mat_idx, len(times)), categories=sim.materials
            ),
            "quantity": values.ravel(),
        }
    )


SERVICE_COLUMNS = [
    "t_day",
    "buyer",
    "material",
    "ordered",
    "delivered",
    "substituted",
    "imported",
    "shortfall",
]


def _service_frame(sim: Simulation) -> pd.DataFrame:
    """Per buyer, day and material: ordered, delivered from the region, substituted, imported."""
    rows = np.array(sim.service_rows, dtype=np.float64).reshape(-1, len(SERVICE_COLUMNS))
    if sim.service_blocks:  # each (firm, material, day) is in one of the two: order is moot
        rows = np.concatenate([np.concatenate(sim.service_blocks, axis=1).T, rows])
    buyer, material = rows[:, 1].astype(np.int64), rows[:, 2].astype(np.int64)
    order = np.lexsort((material, buyer, rows[:, 0]))
    rows, buyer, material = rows[order], buyer[order], material[order]
    frame = pd.DataFrame({
        "t_day": rows[:, 0],
        "buyer": pd.Categorical.from_codes(buyer, categories=[f.id for f in sim.firms]),
        "material": pd.Categorical.from_codes(material, categories=sim.materials),
        **{name: rows[:, i] for i, name in enumerate(SERVICE_COLUMNS[3:], start=3)},
    })  # fmt: skip
    frame["in_full"] = frame["shortfall"] <= 1e-9 * frame["ordered"].clip(lower=1.0)
    return frame


def _activity_frame(sim: Simulation) -> pd.DataFrame:
    """Per day, firm and process: ``planned`` and ``realised`` activity (units of activity).

    Rows where the process planned or ran something; day by day, processes in scenario order.
    """
    planned, realised = sim.activity_planned, sim.activity_realised
    day, column = np.nonzero((planned > 0.0) | (realised > 0.0))
    firms = [f for f, _ in sim.process_ids]
    firm_codes = {f.id: i for i, f in enumerate(sim.firms)}
    process_names = list(dict.fromkeys(p for _, p in sim.process_ids))
    process_codes = {p: i for i, p in enumerate(process_names)}
    firm_of = np.array([firm_codes[f] for f in firms], dtype=np.int64)
    process_of = np.array([process_codes[p] for _, p in sim.process_ids], dtype=np.int64)
    return pd.DataFrame({
        "t_day": day.astype(np.float64),
        "firm": pd.Categorical.from_codes(firm_of[column], categories=[f.id for f in sim.firms]),
        "process": pd.Categorical.from_codes(process_of[column], categories=process_names),
        "planned": planned[day, column],
        "realised": realised[day, column],
    })  # fmt: skip


def idle_firms(flows: pd.DataFrame, firms: list[str]) -> list[str]:
    """Firms with no production and no consumption in the whole run (in ``firms``' order).

    Read on the source column's codes: no copy of the rows (those two kinds are most of the
    ledger; their rows took 0.8 GB at once in a 10,000-firm greedy year).
    """
    worked = is_in(flows["kind"], ("production", "consumption"))
    source = categorical(flows["source"])
    codes = source.cat.codes.to_numpy()[worked]
    seen = np.bincount(codes[codes >= 0], minlength=len(source.cat.categories))
    active = {str(source.cat.categories[i]) for i in np.flatnonzero(seen).tolist()}
    return [f for f in firms if f not in active]


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "unknown"
    return out


def _trimmed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``, once the heap its building freed is handed back (a step's working arrays)."""
    return_freed_memory()
    return frame


def collect(sim: Simulation) -> Results:
    """The results of a finished simulation (no check is run here).

    Called once: the ledger's and the transport's buffers, the daily snapshots and the
    service blocks are released once their frames are built, and the freed heap is handed
    back to the system (:func:`~mfcsim.heap.return_freed_memory`).
    """
    sim.agent.routes.forget_distances()
    flows = sim.ledger.frame(on_release=return_freed_memory)
    materials = _materials_frame(sim.scenario)
    contracts = [c for c in sim.contracts if c.quantity is not None]
    requested = sum(c.requested for c in contracts)
    facts = {
        "contract_fill_rate": (
            sum(min(c.shipped, c.requested) for c in contracts) / requested
            if requested > 0
            else math.nan
        ),
        "clearing_seconds_total": round(sim.agent.seconds_total, 6),
        "ledger_rows": float(len(flows)),
    }
    manifest = {
        "scenario": sim.scenario.name,
        "format_version": FORMAT_VERSION,
        "seed": sim.seed,
        "days": sim.horizon_day,
        "firms": len(sim.firms),
        "versions": _versions(),
        **provenance(),
        "wall_time_s": round(sim.wall_time_s, 4),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "gwp": {"set": sim.scenario.gwp, "t_co2e_per_t": GWP[sim.scenario.gwp]},
        "idle_firms": idle_firms(flows, [f.id for f in sim.firms]),
        "per_firm_path_firms": [f.id for f in sim.firms if not vectorisable(f)],
    }
    if sim.scenario.series:  # the input series files, so a run can be traced to its data
        manifest["series"] = {
            field: {"file": s.file, "column": s.column, "sha256": s.sha256}
            for field, s in sim.scenario.series.items()
        }
    extra = {
        "shipments": _trimmed(sim.transport.frame()),
        "service": _trimmed(_service_frame(sim)),
        "events": sim.disruptions.frame(),
        "activity": _trimmed(_activity_frame(sim)),
    }
    if sim.machines is not None:
        extra["machines"] = sim.machines.frame(sim.state.activity_realised)
    if sim.fleets is not None:
        extra["trips"] = sim.fleets.frame()
        extra["fleet_spoiled"] = sim.fleets.spoiled_frame()
    stocks = _trimmed(_stocks_frame(sim))
    sim.snapshots.clear()
    sim.service_rows.clear()
    sim.service_blocks.clear()
    return_freed_memory()
    return Results(
        flows, stocks, _node_roles(sim), materials, None, manifest, sim.scenario, extra, facts
    )
