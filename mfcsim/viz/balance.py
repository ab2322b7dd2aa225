"""The balance of what a flow figure draws: in − out + made − used − Δstock, per time step.

Summed over the nodes drawn (every firm and ``in_transit``, or a chosen set of firms) and the
materials drawn, in the layer's unit. For mass it is the run's mass balance, so the residual is
rounding; a figure shows it so that a reader sees whether what is drawn adds up.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from mfcsim.viz import layers
from mfcsim.viz.rundata import RunData
from mfcsim.viz.sankey_data import step_of

BALANCE_COLUMNS = ["step", "inflow", "outflow", "made", "used", "stock_change", "residual"]


def _stock_at(stock: pd.DataFrame, t_day: float) -> float:
    return float(stock.loc[stock["t_day"] == t_day, "value"].sum())


def drawn_balance(
    data: RunData,
    *,
    layer: str = "mass",
    step_days: int | None = None,
    materials: Collection[str] | None = None,
    firms: Collection[str] | None = None,
) -> pd.DataFrame:
    """Per step: ``inflow, outflow, made, used, stock_change, residual`` in the layer's unit."""
    inside = set(firms) if firms is not None else {*data.firms, "in_transit"}
    led = layers.ledger(data, layer)
    stock = layers.stocks(data, layer)
    if materials is not None:
        led = led[led["material"].isin(set(materials))]
        stock = stock[stock["material"].isin(set(materials))]
    stock = stock[stock["node"].isin(inside)]
    src, dst = led["source"].isin(inside), led["target"].isin(inside)
    led = led.assign(step=step_of(led["t_day"], step_days))
    parts = {
        "inflow": led[dst & ~src],
        "outflow": led[src & ~dst],
        "made": led[src & dst & (led["kind"] == "production")],
        "used": led[src & dst & (led["kind"] == "consumption")],
    }
    horizon = data.horizon_day
    n_steps = 1 if step_days is None else max(1, int(np.ceil(horizon / step_days)))
    out = pd.DataFrame({"step": np.arange(n_steps)})
    for name, rows in parts.items():
        sums = rows.groupby("step")["value"].sum()
        out[name] = out["step"].map(sums).fillna(0.0).to_numpy()
    bounds = [0.0] + [min(horizon, (k + 1) * (step_days or horizon)) for k in range(n_steps)]
    levels = [_stock_at(stock, t) for t in bounds]
    out["stock_change"] = np.diff(levels)
    out["residual"] = out["inflow"] - out["outflow"] + out["made"] - out["used"]
    out["residual"] -= out["stock_change"]
    return out[BALANCE_COLUMNS]
