"""Plotly figures of a run: pure functions, tidy frames in, ``plotly.graph_objects.Figure`` out.

Nothing here reads a file or shows a figure: :mod:`mfcsim.runfiles` reads a run folder into a
:class:`RunData`, and :func:`report_html` turns panels into one offline page.

May import: only its own modules (``tests/test_viz_layers.py`` holds it), plotly, pandas
and numpy.
"""

from mfcsim.viz.panels import Choice, Panel, comparison_panels, run_panels
from mfcsim.viz.report import report_html
from mfcsim.viz.rundata import ComparisonData, RunData

__all__ = [
    "Choice",
    "ComparisonData",
    "Panel",
    "RunData",
    "comparison_panels",
    "report_html",
    "run_panels",
]
