"""The People / Planet / Profit scorecard as tables: values per period, differences, intervals.

Built from the long indicator frame (``indicator, scope, period, value, unit``) whatever its
indicators and periods are called: a renamed or new indicator, or a new period, appears as a
row or a column without a change here. Intervals come only from a comparison of replications.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from mfcsim.viz.colors import color_of, with_alpha

PILLAR_ORDER = ("people", "planet", "profit", "other")


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _pillar_rank(pillars: Mapping[str, str]) -> dict[str, int]:
    return {p: i for i, p in enumerate(PILLAR_ORDER)} | {
        p: len(PILLAR_ORDER) for p in set(pillars.values()) - set(PILLAR_ORDER)
    }


def _ordered(frame: pd.DataFrame, pillars: Mapping[str, str]) -> pd.DataFrame:
    frame = frame.assign(pillar=frame["indicator"].map(lambda i: pillars.get(i, "other")))
    rank = _pillar_rank(pillars)
    first = {name: i for i, name in enumerate(dict.fromkeys(frame["indicator"]))}
    key = frame["pillar"].map(rank) * 10**6 + frame["indicator"].map(first)
    return frame.assign(_k=key).sort_values("_k", kind="stable").drop(columns="_k")


#: Columns of the long frame that are neither a row's name nor its value.
NOT_KEYS = ("scope", "period", "value", "replication")


def row_keys(frame: pd.DataFrame) -> list[str]:
    """What names a row: ``indicator``, any further column (``compared_to``, ...), ``unit``."""
    extra = [c for c in frame.columns if c not in (*NOT_KEYS, "indicator", "unit")]
    return ["indicator", *extra, "unit"]


def _with_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Extra key columns with "" for missing, so that no row is dropped when pivoting."""
    out = frame.copy()
    for c in row_keys(frame)[1:-1]:
        out[c] = out[c].astype(object).where(out[c].notna(), "").astype(str)
    return out


def _wide(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """A column per period, a row per key in order of appearance (all-NaN rows kept)."""
    long = rows.drop_duplicates([*keys, "period"]).set_index([*keys, "period"])["value"]
    order = rows.drop_duplicates(keys).set_index(keys).index
    return long.unstack("period").reindex(order)


def scorecard_table(
    indicators: pd.DataFrame,
    pillars: Mapping[str, str],
    *,
    scope: str = "cluster",
    baseline: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per indicator: ``pillar, indicator, unit`` and a column per period.

    The unit is that of the indicator's first period (``all``); a comparison period such as
    ``end_vs_start_ratio`` may carry its own (``ratio``), which its column's name tells.

    A further column of the long frame (such as ``compared_to``) names rows too, so its rows
    stay apart.

    With a ``baseline`` (another run's indicator frame), each period also gets a column
    ``<period> Δ`` = this run − the baseline.
    """
    rows = _with_keys(indicators[indicators["scope"] == scope])
    keys = row_keys(rows)[:-1]  # a row per indicator; its unit is that of its first period
    periods = list(dict.fromkeys(rows["period"]))
    wide = _wide(rows, keys).reindex(columns=periods)
    wide.insert(0, "unit", rows.groupby(keys, sort=False)["unit"].first().reindex(wide.index))
    if baseline is not None:
        base = _wide(_with_keys(baseline[baseline["scope"] == scope]), keys)
        for p in periods:
            wide[f"{p} Δ"] = wide[p] - base.reindex(wide.index).get(p, math.nan)
    wide = wide.reset_index()
    wide.columns.name = None
    out = _ordered(wide, pillars)
    return out[["pillar", *[c for c in out.columns if c != "pillar"]]].reset_index(drop=True)


def comparison_table(
    table: pd.DataFrame, pillars: Mapping[str, str], *, scope: str = "cluster"
) -> pd.DataFrame:
    """``pillar, indicator, unit, period, n, A, B, B − A, 95 % CI low, 95 % CI high``."""
    rows = table[table["scope"] == scope]
    out = pd.DataFrame({
        "indicator": rows["indicator"], "unit": rows["unit"], "period": rows["period"],
        "n": rows["n"], "A": rows["mean_a"], "B": rows["mean_b"], "B − A": rows["diff"],
        "95 % CI low": rows["ci_low"], "95 % CI high": rows["ci_high"],
    })  # fmt: skip
    out = _ordered(out, pillars)
    return out[["pillar", *[c for c in out.columns if c != "pillar"]]].reset_index(drop=True)


def scorecard_figure(table: pd.DataFrame, *, title: str = "Scorecard") -> go.Figure:
    """The table of :func:`scorecard_table` or :func:`comparison_table`, rows by pillar."""
    cells = [[_fmt(v) if isinstance(v, float) else str(v) for v in table[c]] for c in table.columns]
    fill = [with_alpha(color_of(p), 0.12) for p in table["pillar"]]
    widths = [0.6, 2.4, *[0.9] * (len(table.columns) - 2)]  # whole indicator names
    trace = go.Table(
        columnwidth=widths,
        header={"values": [f"<b>{c}</b>" for c in table.columns], "fill_color": "#E8E8E8",
                "align": "left", "font": {"size": 12}},
        cells={"values": cells, "fill_color": [fill], "align": "left", "font": {"size": 11},
               "height": 22},
    )  # fmt: skip
    fig = go.Figure(trace)
    fig.update_layout(title=title, height=min(900, 110 + 23 * len(table)),
                      margin={"l": 10, "r": 10, "t": 50, "b": 10})  # fmt: skip
    return fig
