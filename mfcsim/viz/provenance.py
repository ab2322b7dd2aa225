"""Where the numbers of a run's scenario come from: counts by section and status.

Drawn from the run folder's ``provenance.parquet`` (:mod:`mfcsim.scenario.provenance`): one
horizontal bar per top-level section of the scenario (materials, firms, boundary, ...), split
by status (assumption, cited, noted, uncited). The CSV beside the figure lists every number
with its path, value, place in the files and comment, so a reader can check each assumption.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

#: The statuses in the order drawn, with their colours (assumptions stand out).
STATUS_COLORS = {
    "assumption": "#d95f02",
    "cited": "#1b9e77",
    "noted": "#7570b3",
    "uncited": "#bbbbbb",
}


def provenance_counts(provenance: pd.DataFrame) -> pd.DataFrame:
    """``section, status, numbers``: how many numbers of each section have each status."""
    section = provenance["path"].astype(str).str.split(".").str[0]
    counts = (
        provenance.assign(section=section)
        .groupby(["section", "status"], observed=True)
        .size()
        .rename("numbers")
        .reset_index()
    )
    return counts.sort_values(["section", "status"], kind="stable").reset_index(drop=True)


def provenance_figure(provenance: pd.DataFrame) -> go.Figure:
    """Stacked bars: per section of the scenario, its numbers by status."""
    counts = provenance_counts(provenance)
    sections = sorted(counts["section"].unique(), reverse=True)  # first section on top
    fig = go.Figure()
    for status, colour in STATUS_COLORS.items():
        part = counts[counts["status"] == status].set_index("section")["numbers"]
        fig.add_bar(
            y=sections, x=[int(part.get(s, 0)) for s in sections], name=status,
            orientation="h", marker_color=colour,
            hovertemplate="%{y}: %{x} numbers " + status + "<extra></extra>",
        )  # fmt: skip
    total = len(provenance)
    share = (provenance["status"] == "assumption").mean() if total else 0.0
    fig.update_layout(
        barmode="stack",
        title=f"Where the scenario's {total} numbers come from ({share:.0%} assumptions)",
        xaxis_title="numbers written in the scenario's files",
        height=160 + 28 * len(sections),
        legend={"orientation": "h", "y": -0.45, "traceorder": "normal"},
        margin={"l": 110},
    )
    return fig
