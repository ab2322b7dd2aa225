"""The standalone HTML report: plotly.js inlined once, each figure as JSON, data as CSV links.

The page needs no network (no CDN, no map tiles). It embeds nothing that changes between two
runs of one seed (no time of writing, no wall time), so the same run gives the same bytes.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.offline

from mfcsim.viz.panels import Panel

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 2rem 3rem; color: #222; }
h1 { font-size: 1.5rem; margin-top: 1.2rem; } h2 { font-size: 1.15rem; margin: 1.6rem 0 .3rem; }
nav a { margin-right: 1rem; } .meta { color: #555; } .figure { min-height: 300px; }
a.csv { font-size: .85rem; }
"""
CONFIG = {"displaylogo": False, "responsive": True}


def _csv_link(panel: Panel) -> str:
    data = base64.b64encode(panel.data.to_csv(index=False).encode("utf-8")).decode("ascii")
    return (
        f'<a class="csv" download="{panel.key}.csv" href="data:text/csv;base64,{data}">'
        f"Download the data behind this figure (CSV)</a>"
    )


def _section(panel: Panel) -> str:
    return (
        f'<section id="{panel.key}"><h2>{html.escape(panel.title)}</h2>'
        f'<div id="fig-{panel.key}" class="figure"></div>{_csv_link(panel)}</section>'
    )


def _script(panels: Sequence[Panel]) -> str:
    figures = ",".join(f'"fig-{p.key}":{p.figure.to_json()}' for p in panels)
    return (
        f"<script>const FIGURES={{{figures}}};const CONFIG={json.dumps(CONFIG)};"
        "Promise.all(Object.entries(FIGURES).map(([id,f])=>"
        "Plotly.newPlot(id,f.data,f.layout,CONFIG))).then(()=>"
        "{document.body.dataset.rendered=Object.keys(FIGURES).length;});</script>"
    )


def report_html(title: str, info: Mapping[str, Any], panels: Sequence[Panel]) -> str:
    """The whole page as text.

    Args:
        title: The page's heading (the run's name).
        info: Facts shown under the heading (scenario, seed, days, firms, ...).
        panels: The figures with their data, in order.
    """
    meta = " · ".join(f"{html.escape(str(k))}: {html.escape(str(v))}" for k, v in info.items())
    nav = " ".join(f'<a href="#{p.key}">{html.escape(p.title)}</a>' for p in panels)
    body = "".join(_section(p) for p in panels)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>mfcsim report: {html.escape(title)}</title><style>{STYLE}</style>"
        f"<script>{plotly.offline.get_plotlyjs()}</script></head><body>"
        f'<h1>mfcsim report: {html.escape(title)}</h1><p class="meta">{meta}</p>'
        f"<nav>{nav}</nav>{body}{_script(panels)}</body></html>\n"
    )
