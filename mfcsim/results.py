"""Results: the tidy frames of a run, and the run folder written atomically and read back.

A run folder holds ``flows.parquet`` (the ledger), ``stocks.parquet``, ``nodes.parquet``,
``materials.parquet``, ``kpis.json``, ``manifest.json`` and ``scenario.resolved.yaml``,
``indicators.parquet`` with ``scorecard.json`` (:mod:`mfcsim.indicators`),
``substance_flows.parquet`` (:mod:`mfcsim.substances.replay`), and the agent's ``shipments``, the
buyers' ``service`` and the disruption ``events`` frames when the run has them.
It is written under a hidden temporary name beside its final place and renamed when every
file is complete, so an interrupted run leaves no half-written folder behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import glob
import hashlib
import json
import logging
import math
import os
import platform
import shutil
import tempfile
from collections.abc import Callable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from mfcsim.balance import check_mass_balance
from mfcsim.coded import is_in
from mfcsim.engine.kernel.core import vectorisable
from mfcsim.errors import ResultsError, UsageError
from mfcsim.ghg import GWP
from mfcsim.substances.balance import check_substance_balance, check_substance_closure

if TYPE_CHECKING:
    from mfcsim.engine.simulation import Simulation
    from mfcsim.scenario.root import Scenario
    from mfcsim.substances.replay import SubstanceReplay

FRAMES = ("flows", "stocks", "nodes", "materials")
#: Version of the run folder's layout (``manifest.json``'s ``format_version``): 2 since
#: v0.2 (activity.parquet, kpis from the indicator registry); folders without it are v0.1's.
FORMAT_VERSION = 2


def check_format_version(root: Path, manifest: dict[str, Any]) -> int:
    """The folder's format version; refuse one newer than this mfcsim reads.

    Raises:
        ResultsError: If the version is not a whole number or newer than ``FORMAT_VERSION``.
    """
    version = manifest.get("format_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ResultsError(f"{root}: manifest.json format_version {version!r} is not valid "
                           f"(accepted: a whole number from 1 to {FORMAT_VERSION})")  # fmt: skip
    if version > FORMAT_VERSION:
        raise ResultsError(
            f"{root}: written by a newer mfcsim (run folder format {version}; this one reads "
            f"formats 1 to {FORMAT_VERSION})"
        )
    return version


#: Frames written when present: the agent's shipments, buyers' service, disruption events
#: and the planned and realised activity of every process.
EXTRA_FRAMES = ("shipments", "service", "events", "activity")
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


def resolved_yaml(scenario: Scenario) -> str:
    """The scenario after extends and overrides, in base units, as YAML text."""
    data = scenario.model_dump(mode="json", exclude_defaults=False)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when available
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)


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
    """Firms with no production and no consumption in the whole run (in ``firms``' order)."""
    worked = flows[is_in(flows["kind"], ("production", "consumption"))]
    active = set(map(str, pd.unique(worked["source"])))
    return [f for f in firms if f not in active]


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "unknown"
    return out


def finite_or_none(value: Any) -> Any:
    """``value`` with every NaN or infinite float (also in lists and dicts) made None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_none(v) for v in value]
    return value


def json_text(value: Any) -> str:
    """Strict JSON (RFC 8259: no NaN or Infinity; those are null), indented, one file."""
    return json.dumps(finite_or_none(value), indent=2, allow_nan=False) + "\n"


#: Logger of notes a run leaves for its user (stale folders removed, ...); the CLI prints them.
log = logging.getLogger("mfcsim")


def check_out_folder(folder: str | Path, option: str = "--out") -> Path:
    """Check that a run folder can be written at ``folder`` before anything is run.

    Accepted: a path whose last part is a name (not ``.`` or ``..``), that is not a symbolic
    link, that does not exist or is an empty folder, and whose nearest existing parent is a
    folder this process may write in.

    Raises:
        UsageError: Naming the option, the path and what is accepted.
    """
    final = Path(folder)
    accepted = "(accepted: a new folder, or an empty one, in a folder you may write in)"
    if final.name in ("", ".", ".."):
        raise UsageError(f"{option} {final}: does not name a new folder {accepted}")
    if final.is_symlink():
        raise UsageError(f"{option} {final}: is a symbolic link {accepted}")
    if final.exists() and (not final.is_dir() or any(final.iterdir())):
        raise UsageError(f"{option} {final}: exists and is not empty {accepted}")
    parent = final.parent
    while not parent.exists() and parent != parent.parent:
        if parent.is_symlink():  # a dangling link on the way
            raise UsageError(f"{option} {final}: {parent} is a broken symbolic link {accepted}")
        parent = parent.parent
    if not parent.is_dir():
        raise UsageError(f"{option} {final}: {parent} is not a folder {accepted}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {final}: {parent} is not writable {accepted}")
    return final


def _remove_stale(final: Path) -> None:
    """Remove the temporary folders of runs into ``final`` whose process has died."""
    for tmp in final.parent.glob(f".{glob.escape(final.name)}.*.tmp"):
        parts = tmp.name[len(final.name) + 2 :].split(".")
        if not parts or not parts[0].isdigit() or _alive(int(parts[0])):
            continue
        shutil.rmtree(tmp, ignore_errors=True)
        log.info("removed %s, left by a run that did not finish (process %s)", tmp, parts[0])


def _alive(pid: int) -> bool:
    """True if a process with this id runs (or may: one of another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sync_tree(folder: Path) -> None:
    """Fsync every file under ``folder``, then the folders themselves (bottom up)."""
    for root, _dirs, files in os.walk(folder, topdown=False):
        for name in files:
            with (Path(root) / name).open("rb") as handle:
                os.fsync(handle.fileno())
        _sync_dir(Path(root))


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_folder(folder: str | Path) -> Iterator[Path]:
    """A hidden temporary folder beside ``folder``, renamed to it when the block completes.

    If the block raises (or is interrupted), the temporary folder is removed and ``folder``
    is left as it was: nothing half-written is ever seen under the final name. Files are
    fsynced before the rename, so a completed run survives a power cut. The temporary name
    holds the process id (``.NAME.PID.XXXX.tmp``): one left by a killed run is removed at the
    next run into the same parent, with a note. The folder gets the mode the umask allows.

    Raises:
        UsageError: If ``folder`` is not a place for a new folder (:func:`check_out_folder`),
            or another run wrote it first.
    """
    final = check_out_folder(folder)
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(final)
    tmp = Path(
        tempfile.mkdtemp(prefix=f".{final.name}.{os.getpid()}.", suffix=".tmp", dir=final.parent)
    )
    try:
        tmp.chmod(0o777 & ~_umask())
        yield tmp
        _sync_tree(tmp)
        try:
            tmp.rename(final)  # atomic; replaces an empty folder, refuses a full one
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                raise UsageError(
                    f"{final}: another run wrote it first (accepted: a new folder)"
                ) from None
            raise
        _sync_dir(final.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


class Results:
    """The outcome of one run: frames, headline figures and provenance.

    Attributes:
        flows, stocks, nodes, materials: The run folder's frames.
        kpis: Headline figures.
        extra: Further frames (shipments, service, events).
    """

    def __init__(
        self,
        flows: pd.DataFrame,
        stocks: pd.DataFrame,
        nodes: pd.DataFrame,
        materials: pd.DataFrame,
        kpis: dict[str, float],
        manifest: dict[str, Any],
        scenario_yaml: str | Scenario,
        extra: dict[str, pd.DataFrame] | None = None,
    ) -> None:
        self.flows, self.stocks, self.nodes, self.materials = flows, stocks, nodes, materials
        self.kpis, self._manifest, self.extra = kpis, manifest, extra or {}
        self._scenario = scenario_yaml

    @property
    def scenario_yaml(self) -> str:
        """The resolved scenario as YAML (written out on first use: it is slow for big runs)."""
        if not isinstance(self._scenario, str):
            self._scenario_spec = self._scenario
            self._scenario = resolved_yaml(self._scenario)
        return self._scenario

    @property
    def scenario(self) -> Scenario:
        """The resolved scenario (validated again from its YAML when read from a folder)."""
        if not isinstance(self._scenario, str):
            return self._scenario
        if self.__dict__.get("_scenario_spec") is None:
            from mfcsim.scenario.load import scenario_from_dict

            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            data = yaml.load(self._scenario, Loader=loader)
            self._scenario_spec = scenario_from_dict(data, source="scenario.resolved.yaml")
        return self._scenario_spec

    @property
    def indicators(self) -> pd.DataFrame:
        """Every indicator per period and scope (:mod:`mfcsim.indicators`), computed once."""
        if self.__dict__.get("_indicators") is None:
            from mfcsim.indicators import compute_indicators

            self._indicators = compute_indicators(self)
        return self._indicators

    @property
    def substance_replay(self) -> SubstanceReplay:
        """Substance flows and stocks replayed from the ledger (:mod:`mfcsim.substances.replay`)."""
        if self.__dict__.get("_substance_replay") is None:
            from mfcsim.substances.replay import replay_substances

            shipments = self.extra.get("shipments", pd.DataFrame())
            self._substance_replay = replay_substances(
                self.flows, self.stocks, self.nodes, shipments, self.scenario
            )
        return self._substance_replay

    @property
    def substance_flows(self) -> pd.DataFrame:
        """``t_day, source, target, material, substance, quantity, kind`` (t), computed once."""
        if self.__dict__.get("_substance_flows") is None:
            self._substance_flows = self.substance_replay.flows
        return self._substance_flows

    @property
    def manifest(self) -> dict[str, Any]:
        """Provenance: scenario name and sha256, seed, versions, wall time, created."""
        if "scenario_sha256" not in self._manifest:
            digest = hashlib.sha256(self.scenario_yaml.encode()).hexdigest()
            self._manifest = {
                "scenario": self._manifest.get("scenario"),
                "scenario_sha256": digest,
                **self._manifest,
            }
        return self._manifest

    @classmethod
    def from_simulation(cls, sim: Simulation) -> Results:
        """Collect the frames of a finished simulation (no check is run here)."""
        flows = sim.ledger.frame()
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
            "wall_time_s": round(sim.wall_time_s, 4),
            "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "gwp": {"set": sim.scenario.gwp, "t_co2e_per_t": GWP[sim.scenario.gwp]},
            "idle_firms": idle_firms(flows, [f.id for f in sim.firms]),
            "per_firm_path_firms": [f.id for f in sim.firms if not vectorisable(f)],
        }
        service, activity = _service_frame(sim), _activity_frame(sim)
        extra = {
            "shipments": sim.transport.frame(),
            "service": service,
            "events": sim.disruptions.frame(),
            "activity": activity,
        }
        results = cls(
            flows,
            _stocks_frame(sim),
            _node_roles(sim),
            materials,
            {},
            manifest,
            sim.scenario,
            extra,
        )
        from mfcsim.indicators.headline import kpi_values

        results.kpis = {**kpi_values(results), **facts}
        return results

    def check_balance(self, *, rtol: float | None = None) -> float:
        """Check the mass and substance balances; store and return the largest mass error.

        The largest relative error of the mass balance goes into the KPIs; the substances
        replayed from the ledger (:mod:`mfcsim.substances.balance`) are held to the same rtol,
        and every flow's substances together may weigh no more than the flow (closure).

        Raises:
            MassBalanceError: If any node, material, substance or the system is off by more
                than rtol.
        """
        kwargs = {} if rtol is None else {"rtol": rtol}
        err = check_mass_balance(self.flows, self.stocks, self.materials, self.nodes, **kwargs)
        self.kpis["mass_balance_max_rel_error"] = err
        rep = self.substance_replay
        check_substance_balance(
            rep.flows, rep.stocks, self.nodes, rep.conserving, rep.carrier_t, **kwargs
        )
        check_substance_closure(rep.flows, rep.carrier_row, rep.carrier_t, **kwargs)
        return err

    def write(self, folder: str | Path, *, also: Callable[[Path], object] | None = None) -> Path:
        """Write the run folder atomically and return its path.

        ``also`` is called with the folder under its temporary name once every file is in it,
        to add files (the HTML report) before the folder is renamed.

        Raises:
            UsageError: If ``folder`` exists already and is not empty.
        """
        with atomic_folder(folder) as tmp:
            self._write_files(tmp)
            if also is not None:
                also(tmp)
        return Path(folder)

    def _write_files(self, folder: Path) -> None:
        from mfcsim.indicators import scorecard, scorecard_json

        card = scorecard_json(scorecard(self.indicators))
        for name in FRAMES:
            getattr(self, name).to_parquet(folder / f"{name}.parquet", index=False)
        for name, frame in self.extra.items():
            frame.to_parquet(folder / f"{name}.parquet", index=False)
        self.indicators.to_parquet(folder / "indicators.parquet", index=False)
        self.substance_flows.to_parquet(folder / "substance_flows.parquet", index=False)
        (folder / "kpis.json").write_text(json_text(self.kpis))
        (folder / "manifest.json").write_text(json_text(self.manifest))
        (folder / "scorecard.json").write_text(json_text(card))
        (folder / "scenario.resolved.yaml").write_text(self.scenario_yaml)

    @classmethod
    def read(cls, folder: str | Path) -> Results:
        """Read a run folder written by :meth:`write`.

        Raises:
            ResultsError: If the folder or one of its files is missing or unreadable.
        """
        root = Path(folder)
        if not root.is_dir():
            raise ResultsError(f"{root}: not a folder (accepted: a run folder of mfcsim run)")
        try:
            frames = {n: pd.read_parquet(root / f"{n}.parquet") for n in FRAMES}
            kpis = json.loads((root / "kpis.json").read_text())
            manifest = json.loads((root / "manifest.json").read_text())
            text = (root / "scenario.resolved.yaml").read_text()
        except (OSError, ValueError) as exc:
            raise ResultsError(f"{root}: not a complete run folder ({exc})") from None
        check_format_version(root, manifest)
        kpis = {k: (math.nan if v is None else v) for k, v in kpis.items()}
        extra = {
            n: pd.read_parquet(root / f"{n}.parquet")
            for n in EXTRA_FRAMES
            if (root / f"{n}.parquet").exists()
        }
        results = cls(**frames, kpis=kpis, manifest=manifest, scenario_yaml=text, extra=extra)
        if (root / "indicators.parquet").exists():
            results._indicators = pd.read_parquet(root / "indicators.parquet")
        if (root / "substance_flows.parquet").exists():
            results._substance_flows = pd.read_parquet(root / "substance_flows.parquet")
        return results
