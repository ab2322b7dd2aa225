"""The explorer's page: controls on top, then the figures, each with a CSV link."""

from __future__ import annotations

from dash import dcc, html

#: The figures of the page, in order: (id, heading).
FIGURES = (
    ("sankey", "Material flows"),
    ("difference", "Difference to the baseline"),
    ("map", "Network map (click a firm to follow it)"),
    ("stocks", "Stocks"),
    ("flows", "Daily flows"),
    ("fill", "Service"),
    ("scorecard", "Scorecard"),
)
LAYER_HELP = "mass, energy, money or a substance"


def _control(label: str, component: object) -> html.Div:
    return html.Div([html.Label(label, className="control-label"), component],
                    className="control")  # fmt: skip


def _radio(id_: str, options: list[str], value: str) -> dcc.RadioItems:
    return dcc.RadioItems(id=id_, options=options, value=value, inline=True,
                          inputStyle={"marginRight": "3px", "marginLeft": "8px"})  # fmt: skip


def controls(runs: list[str], first: str | None) -> html.Div:
    """Run (``first`` chosen), baseline, material, layer, level, time step, period and firm."""
    return html.Div(
        [
            _control("run", dcc.Dropdown(id="run", options=runs, value=first, clearable=False)),
            _control("compare with (baseline)", dcc.Dropdown(id="baseline", options=runs)),
            _control("material", dcc.Dropdown(id="material", placeholder="all materials")),
            _control("firm", dcc.Dropdown(id="firm", placeholder="all firms")),
            _control(f"layer ({LAYER_HELP})", _radio("layer", ["mass"], "mass")),
            _control("level", _radio("level", ["firm", "sector", "cluster"], "firm")),
            _control("time step", _radio("step", ["week", "month", "run"], "week")),
            _control(
                "period",
                dcc.Slider(
                    id="period",
                    min=0,
                    max=0,
                    step=1,
                    value=0,
                    marks=None,
                    tooltip={"always_visible": False},
                ),
            ),
        ],
        className="controls",
    )


def figure_section(key: str, heading: str) -> html.Section:
    """A heading, the graph and the link to its data."""
    return html.Section(
        [
            html.H2(heading),
            dcc.Loading(dcc.Graph(id=f"fig-{key}", config={"displaylogo": False})),
            html.A(
                "Download the data behind this figure (CSV)",
                id=f"csv-{key}",
                download=f"{key}.csv",
                href=None,
                className="csv",
            ),
        ],
        id=f"section-{key}",
    )


def page(runs: list[str], root: str, first: str | None) -> html.Div:
    """The whole page, with ``first`` as the chosen run."""
    return html.Div(
        [
            html.H1("mfcsim explorer"),
            html.P(f"run folders under {root}", className="meta"),
            controls(runs, first),
            html.Div(id="message", role="alert", className="message"),
            *(figure_section(k, h) for k, h in FIGURES),
        ],
        className="page",
    )
