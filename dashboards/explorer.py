"""The Dash explorer: ``mfcsim dashboard RUNS_DIR`` (or ``create_app(RUNS_DIR).run()``).

Every figure comes from :mod:`mfcsim.viz`, every frame from :mod:`mfcsim.runfiles`; a folder
that cannot be read shows its one-line reason in the page, never a stack trace.
"""

from __future__ import annotations

import base64
import functools
import traceback
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, State, no_update

from dashboards.catalog import first_complete, run_folders
from dashboards.layout import page
from mfcsim import runfiles
from mfcsim.errors import MfcsimError
from mfcsim.viz import ComparisonData, RunData, panels
from mfcsim.viz.layers import layer_names
from mfcsim.viz.scorecard import comparison_table, scorecard_figure

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 1.5rem 2rem; color: #222; }
.controls { display: grid; grid-template-columns: repeat(4, minmax(200px, 1fr));
            gap: .6rem 1.2rem; }
.control-label { font-size: .8rem; color: #555; display: block; }
.message { color: #B2182B; font-weight: 600; margin: .8rem 0; white-space: pre-wrap; }
h2 { font-size: 1.05rem; margin: 1.2rem 0 .2rem; } a.csv { font-size: .8rem; }
a.csv:not([href]) { display: none; }
"""


def _csv(frame: Any) -> str:
    text = frame.to_csv(index=False).encode("utf-8")
    return "data:text/csv;base64," + base64.b64encode(text).decode("ascii")


def _blank(text: str = "") -> go.Figure:
    fig = go.Figure()
    fig.update_layout(height=120, xaxis_visible=False, yaxis_visible=False,
                      annotations=[{"text": text, "showarrow": False}] if text else [])  # fmt: skip
    return fig


class Explorer:
    """The run folders under one root, read once each (cached by path and change time)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, name: str) -> Path:
        """The folder of a run as the page names it."""
        return self.root / name

    def load(self, name: str) -> RunData | ComparisonData:
        """The run or comparison (raises ResultsError with a one-line reason)."""
        path = self.path(name)
        stamp = path.stat().st_mtime_ns if path.exists() else 0
        return _read(str(path), stamp)


@functools.lru_cache(maxsize=8)
def _read(path: str, stamp: int) -> RunData | ComparisonData:
    del stamp  # part of the cache key only
    if runfiles.folder_kind(path) == "comparison":
        return runfiles.read_comparison(path)
    return runfiles.read_run(path)


def _choice(material: str | None, layer: str, level: str, step: str, firm: str | None) -> Any:
    return panels.Choice(layer=layer, level=level, step=step,
                         materials=[material] if material else None,
                         firms=[firm] if firm else None)  # fmt: skip


#: The page's controls, in the order callbacks receive them.
CONTROLS = ("run", "baseline", "material", "layer", "level", "step", "period", "firm")


def _sankey(data: RunData, base: RunData | None, choice: Any, period: int) -> list[Any]:
    show = None if choice.step == "run" else period
    return [panels.sankey_panel(data, choice, show_step=show)]


def _difference(data: RunData, base: RunData | None, choice: Any, period: int) -> list[Any]:
    return [panels.difference_panel(data, base, choice) if base is not None else None]


def _map(data: RunData, base: RunData | None, choice: Any, period: int) -> list[Any]:
    return [panels.map_panel(data, next(iter(choice.firms)) if choice.firms else None)]


def _series(data: RunData, base: RunData | None, choice: Any, period: int) -> list[Any]:
    return panels.series_panels(data, choice)


def _scorecard(data: RunData, base: RunData | None, choice: Any, period: int) -> list[Any]:
    return [panels.scorecard_panel(data, base)]


#: Each callback: its figures, the controls that trigger it, and what builds its panels.
#: A change redraws only the figures that depend on it (the period slider: the Sankey only).
GROUPS: dict[str, tuple[tuple[str, ...], frozenset[str], Any]] = {
    "sankey": (("sankey",), frozenset(CONTROLS) - {"baseline"}, _sankey),
    "difference": (("difference",), frozenset(CONTROLS) - {"step", "period"}, _difference),
    "map": (("map",), frozenset({"run", "firm"}), _map),
    "series": (("stocks", "flows", "fill"), frozenset({"run", "material", "layer", "firm"}),
               _series),
    "scorecard": (("scorecard",), frozenset({"run", "baseline"}), _scorecard),
}  # fmt: skip


def group_outputs(
    name: str, data: RunData, base: RunData | None, choice: Any, period: int
) -> list[Any]:
    """The figures, then the CSV links, of one callback group."""
    shown = GROUPS[name][2](data, base, choice, period)
    figs = [p.figure if p is not None else _blank("choose a baseline run") for p in shown]
    return [*figs, *[_csv(p.data) if p is not None else None for p in shown]]


def _comparison_outputs(name: str, data: ComparisonData) -> list[Any]:
    keys = GROUPS[name][0]
    if name != "scorecard":
        return [_blank("a comparison folder holds indicators only")] * len(keys) + [None] * len(
            keys
        )
    table = comparison_table(data.table, data.pillars)
    card = scorecard_figure(table, title="Comparison (cluster): B − A with 95 % intervals")
    return [card, _csv(table)]


def create_app(root: str | Path) -> Dash:
    """The Dash app over the run folders under ``root``."""
    explorer = Explorer(root)
    app = Dash(__name__, title="mfcsim explorer", serve_locally=True)
    app.index_string = app.index_string.replace("{%css%}", "{%css%}<style>" + STYLE + "</style>")
    app.layout = lambda: _page(root)
    _register(app, explorer)
    return app


def _page(root: str | Path) -> Any:
    runs = run_folders(root)
    return page(runs, str(root), first_complete(root, runs))


def _register(app: Dash, explorer: Explorer) -> None:
    @app.callback(
        Output("material", "options"), Output("firm", "options"), Output("layer", "options"),
        Output("period", "max"), Output("period", "marks"), Input("run", "value"),
        Input("step", "value"),
    )  # fmt: skip
    def _options(run: str | None, step: str) -> tuple[Any, ...]:
        try:
            data = explorer.load(run) if run else None
        except MfcsimError:
            data = None
        if not isinstance(data, RunData):
            return [], [], ["mass"], 0, None
        used = sorted(set(data.flows["material"].astype(str)))
        labels = panels.step_labels(data, step) or ["whole run"]
        every = max(1, -(-len(labels) // 6))
        marks = {i: {"label": lab.removeprefix("days ").split("–")[0]}
                 for i, lab in enumerate(labels) if i % every == 0}  # fmt: skip
        return used, data.firms, layer_names(data), len(labels) - 1, marks

    @app.callback(Output("firm", "value"), Input("fig-map", "clickData"),
                  State("firm", "value"), prevent_initial_call=True)  # fmt: skip
    def _follow(click: dict[str, Any] | None, current: str | None) -> Any:
        point = (click or {}).get("points", [{}])[0]
        firm = (point.get("customdata") or [None])[0]
        return firm if isinstance(firm, str) and firm != current else no_update

    @app.callback(Output("message", "children"), Input("run", "value"),
                  Input("baseline", "value"))  # fmt: skip
    def _message(run: str | None, baseline: str | None) -> str:
        if not run:
            return "No run folder under this folder yet (run mfcsim run ... --out there)."
        try:
            explorer.load(run)
            base = explorer.load(baseline) if baseline else None
        except MfcsimError as exc:
            return str(exc)
        if base is not None and not isinstance(base, RunData):
            return f"{baseline}: a comparison folder cannot be a baseline run"
        return ""

    for name in GROUPS:
        _register_group(app, explorer, name)


def _register_group(app: Dash, explorer: Explorer, name: str) -> None:
    keys, triggers, _ = GROUPS[name]
    outputs = [Output(f"fig-{k}", "figure") for k in keys]
    outputs += [Output(f"csv-{k}", "href") for k in keys]
    order = [c for c in CONTROLS if c in triggers] + [c for c in CONTROLS if c not in triggers]
    args = [Input(c, "value") for c in CONTROLS if c in triggers]
    args += [State(c, "value") for c in CONTROLS if c not in triggers]

    @app.callback(*outputs, *args)
    def _update(*values: Any) -> list[Any]:
        v = dict(zip(order, values, strict=True))
        empty = [_blank()] * len(keys) + [None] * len(keys)
        try:
            data = explorer.load(v["run"]) if v["run"] else None
            base = explorer.load(v["baseline"]) if v["baseline"] else None
        except MfcsimError:
            return empty  # the message callback says why
        if isinstance(data, ComparisonData):
            return _comparison_outputs(name, data)
        if data is None or (base is not None and not isinstance(base, RunData)):
            return empty
        choice = _choice(v["material"], v["layer"] or "mass", v["level"], v["step"], v["firm"])
        try:
            return group_outputs(name, data, base, choice, int(v["period"] or 0))
        except Exception:  # a bug in a figure: log it, draw nothing, keep the page alive
            traceback.print_exc()
            return [_blank(f"could not draw this figure for {v['run']} (see the server log)")
                    ] * len(keys) + [None] * len(keys)  # fmt: skip


def serve(root: str | Path, host: str = "127.0.0.1", port: int = 8050) -> None:
    """Serve the explorer until interrupted."""
    create_app(root).run(host=host, port=port, debug=False)
