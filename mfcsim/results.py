"""Results: the tidy frames of a run, their derived views, and the run folder.

A run folder holds ``flows.parquet`` (the ledger), ``stocks.parquet``, ``nodes.parquet``,
``materials.parquet``, ``kpis.json``, ``manifest.json`` and ``scenario.resolved.yaml``, the
agent's ``shipments``, the buyers' ``service``, the disruption ``events`` and the processes'
``activity`` frames and the machine pools' ``machines`` when the run has them, and the files
of the registered views:
``indicators.parquet`` and ``scorecard.json`` (:mod:`mfcsim.indicators`),
``substance_flows.parquet`` (:mod:`mfcsim.substances`). It is written atomically
(:func:`mfcsim.runfolder.atomic_folder`).

Views and checks are registered by the packages that define them (:func:`register_view`,
:func:`register_check`), so this module imports neither indicators nor substances; importing
``mfcsim`` registers them all. Each view is computed once per run, on first use.

May import: errors, coded, ghg, balance, runfolder, scenario.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from mfcsim.balance import check_mass_balance
from mfcsim.errors import ResultsError
from mfcsim.heap import return_freed_memory
from mfcsim.runfolder import atomic_folder, check_format_version, json_text

if TYPE_CHECKING:
    from mfcsim.scenario.root import Scenario

FRAMES = ("flows", "stocks", "nodes", "materials")
#: Frames written when present: the agent's shipments, buyers' service, disruption events,
#: the planned and realised activity of every process, the machine pools' operations, and
#: the fleets' trips and spoiled lots.
EXTRA_FRAMES = (
    "shipments", "service", "events", "activity", "machines", "trips", "fleet_spoiled",
)  # fmt: skip
#: Columns held as categoricals in memory (a few labels over millions of rows) but written as
#: strings, as the run folder always had them; :meth:`Results.read` makes them categorical
#: again (categories: the values used, sorted).
STRING_ON_FILE: dict[str, tuple[str, ...]] = {"shipments": ("requested", "mode", "origin")}


@dataclass(frozen=True, slots=True)
class View:
    """A figure set derived from a run's frames, computed once on first use.

    Attributes:
        compute: The view of a run's results.
        file: Its file in a run folder, written by :meth:`Results.write`; None: not written.
        save: Writes the view to its file.
        load: Reads it back (:meth:`Results.read`), instead of computing it again; None:
            computed again when asked for.
    """

    compute: Callable[[Results], Any]
    file: str | None = None
    save: Callable[[Any, Path], object] | None = None
    load: Callable[[Path], Any] | None = None


#: Derived views by name (``indicators``, ``scorecard``, ``kpi_values``,
#: ``substance_replay``, ``substance_flows``), registered by the packages that define them.
VIEWS: dict[str, View] = {}

#: Checks run by :meth:`Results.check_balance` after the mass balance, by name; each is
#: called with the results and the keyword arguments of the check (``rtol``).
CHECKS: dict[str, Callable[[Results, dict[str, float]], None]] = {}


def register_view(name: str, view: View) -> None:
    """Register a derived view of a run's results under ``name``.

    Raises:
        ValueError: If a view of that name is registered already.
    """
    if name in VIEWS:
        raise ValueError(f"a view {name!r} of a run is registered already")
    VIEWS[name] = view


def register_check(name: str, check: Callable[[Results, dict[str, float]], None]) -> None:
    """Register a check that every strict run must pass (after the mass balance).

    Raises:
        ValueError: If a check of that name is registered already.
    """
    if name in CHECKS:
        raise ValueError(f"a check {name!r} of a run is registered already")
    CHECKS[name] = check


def resolved_yaml(scenario: Scenario) -> str:
    """The scenario after extends and overrides, in base units, as YAML text.

    Optional top-level sections that are absent (None) are left out, so that a scenario
    without them writes the same text as before they existed.
    """
    data = scenario.model_dump(mode="json", exclude_defaults=False)
    data = {key: value for key, value in data.items() if value is not None}
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when available
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)


class Results:
    """The outcome of one run: frames, headline figures and provenance.

    Attributes:
        flows, stocks, nodes, materials: The run folder's frames.
        kpis: Headline figures (computed from the registered ``kpi_values`` view and the
            run's ``facts`` when not given).
        extra: Further frames (shipments, service, events, activity, machines).
    """

    def __init__(
        self,
        flows: pd.DataFrame,
        stocks: pd.DataFrame,
        nodes: pd.DataFrame,
        materials: pd.DataFrame,
        kpis: dict[str, float] | None,
        manifest: dict[str, Any],
        scenario_yaml: str | Scenario,
        extra: dict[str, pd.DataFrame] | None = None,
        facts: dict[str, float] | None = None,
    ) -> None:
        self.flows, self.stocks, self.nodes, self.materials = flows, stocks, nodes, materials
        self._manifest, self.extra = manifest, extra or {}
        self._scenario = scenario_yaml
        #: Figures of the run itself (contract fill, clearing time, ledger rows) that follow
        #: the headline indicators in ``kpis``.
        self.facts = dict(facts or {})
        self._kpis = kpis
        #: The largest mass-balance error found by :meth:`check_balance` (None: not checked).
        self._mass_error: float | None = None
        self._views: dict[str, Any] = {}

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
        frame: pd.DataFrame = self.view("indicators")
        return frame

    @property
    def substance_replay(self) -> Any:
        """The substances replayed from the ledger (a ``substances.replay.SubstanceReplay``)."""
        return self.view("substance_replay")

    @property
    def substance_flows(self) -> pd.DataFrame:
        """``t_day, source, target, material, substance, quantity, kind`` (t), computed once."""
        frame: pd.DataFrame = self.view("substance_flows")
        return frame

    @property
    def kpis(self) -> dict[str, float]:
        """Headline figures (``kpis.json``): the headline indicators, then the run's facts.

        Computed on first use (not by the run itself); the mass-balance error of
        :meth:`check_balance` comes last.
        """
        if self._kpis is None:
            self._kpis = {**self.view("kpi_values"), **self.facts}
            if self._mass_error is not None:
                self._kpis["mass_balance_max_rel_error"] = self._mass_error
        return self._kpis

    @kpis.setter
    def kpis(self, value: dict[str, float]) -> None:
        self._kpis = value

    def view(self, name: str) -> Any:
        """The derived view ``name`` (see :data:`VIEWS`), computed on first use.

        Raises:
            ResultsError: If no package registered a view of that name.
        """
        if name not in self._views:
            if name not in VIEWS:
                known = ", ".join(sorted(VIEWS)) or "none"
                raise ResultsError(f"no view {name!r} of a run is registered (known: {known})")
            self._views[name] = VIEWS[name].compute(self)
        return self._views[name]

    def set_view(self, name: str, value: Any) -> None:
        """Replace the view ``name`` (e.g. indicators with baseline comparisons added)."""
        self._views[name] = value

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
        return_freed_memory()
        self._mass_error = err
        if self._kpis is not None:
            self._kpis["mass_balance_max_rel_error"] = err
        for check in CHECKS.values():
            check(self, kwargs)
            return_freed_memory()
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
        written = {name: self.view(name) for name, view in VIEWS.items() if view.file}
        for name in FRAMES:
            getattr(self, name).to_parquet(folder / f"{name}.parquet", index=False)
        for name, frame in self.extra.items():
            strings = {c: "string" for c in STRING_ON_FILE.get(name, ()) if c in frame}
            frame.astype(strings).to_parquet(folder / f"{name}.parquet", index=False)
        for name, view in VIEWS.items():
            if view.file is not None and view.save is not None:
                view.save(written[name], folder / view.file)
        (folder / "kpis.json").write_text(json_text(self.kpis))
        (folder / "manifest.json").write_text(json_text(self.manifest))
        (folder / "scenario.resolved.yaml").write_text(self.scenario_yaml)
        self.provenance.to_parquet(folder / "provenance.parquet", index=False)

    @property
    def provenance(self) -> pd.DataFrame:
        """Where each number of the scenario comes from (``provenance.parquet``).

        One row per number written in the scenario's files: ``path, value, at, status,
        sources, note`` (:mod:`mfcsim.scenario.provenance`); ``status == "assumption"``
        lists the run's assumptions, whose paths ``--set`` and sweeps can vary.
        """
        from mfcsim.scenario.provenance import provenance_frame

        return provenance_frame(self.scenario.provenance)

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
            n: _categorical(pd.read_parquet(root / f"{n}.parquet"), STRING_ON_FILE.get(n, ()))
            for n in EXTRA_FRAMES
            if (root / f"{n}.parquet").exists()
        }
        results = cls(
            frames["flows"], frames["stocks"], frames["nodes"], frames["materials"],
            kpis=kpis, manifest=manifest, scenario_yaml=text, extra=extra,
        )  # fmt: skip
        for name, view in VIEWS.items():
            if view.file and view.load is not None and (root / view.file).exists():
                results.set_view(name, view.load(root / view.file))
        return results


def _categorical(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` with the string ``columns`` it has made categorical (see STRING_ON_FILE)."""
    kept = {c: "category" for c in columns if c in frame}
    return frame.astype(kept) if kept else frame
