"""Surplus: export what firms do not keep and dispose of what exceeds their storage.

:func:`surplus` is the plain definition, over every (firm, material) cell;
:func:`surplus_on_cells` (what :meth:`mfcsim.engine.kernel.core.Kernel.surplus` runs) does
the same on the cells that can export or overflow only, row by row, and is tested against it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mfcsim.engine.kernel.plans import flat_cells
from mfcsim.ledger import Kind

if TYPE_CHECKING:
    from mfcsim.engine.kernel.core import Kernel
    from mfcsim.engine.market import Market
    from mfcsim.engine.state import State
    from mfcsim.ledger import Ledger
    from mfcsim.world import World


def surplus_on_cells(kernel: Kernel, day: int, active: np.ndarray) -> None:
    """:func:`surplus` on the cells that can export or overflow, row by row the same.

    Export cells are those of the simulation's ``export_mask``; overflow cells those with
    a storage capacity below infinity (elsewhere the excess is never positive).
    """
    ledger, stock, market = kernel.ledger, flat_cells(kernel.state.stock), kernel.market
    (ef, em, e_code), (df, dm, d_code) = kernel.export_cells, kernel.overflow_cells
    held = (stock[d_code] > 0.0) & active[df]  # before exports, as ``positive``
    have = stock[e_code]
    amount = np.maximum(have - flat_cells(kernel.state.reserved)[e_code], 0.0)
    sel = np.flatnonzero((have > 0.0) & active[ef] & (amount > 0.0))
    f_idx, m_idx, qty = ef[sel], em[sel], amount[sel]
    if market.limited:  # the daily export limit, firms in order
        qty = market.grant(market.export_left, m_idx, qty)
        keep = qty > 0.0
        sel, f_idx, m_idx, qty = sel[keep], f_idx[keep], m_idx[keep], qty[keep]
    stock[e_code[sel]] -= qty
    price = np.asarray(market.export_price, dtype=float)[m_idx]
    ledger.add_many(float(day), f_idx, kernel.world.node_index["export"], m_idx, qty, Kind.EXPORT,
                    value_eur=price * qty)  # fmt: skip
    excess = stock[d_code] - kernel.overflow_capacity
    sel = np.flatnonzero(held & (excess > 0.0))
    f_idx, m_idx, qty = df[sel], dm[sel], excess[sel]
    stock[d_code[sel]] -= qty
    node, fee, co2e = market.disposal_arrays()
    ledger.add_many(float(day), f_idx, node[m_idx], m_idx, qty, Kind.DISPOSAL,
                    value_eur=fee[m_idx] * qty, co2e_t=co2e[m_idx] * qty)  # fmt: skip


def surplus(
    state: State, world: World, ledger: Ledger, market: Market, day: int, active: np.ndarray
) -> None:
    """Export surplus products and dispose of what exceeds storage, for all firms at once.

    Args:
        state: The run's live arrays (stock, reserved, capacity, export_mask).
        world: Its catalogue (node indices).
        ledger: Where the exports and disposals are written.
        market: Export prices and disposal routes.
        day: Today.
        active: Which firms take part today.

    A firm exports where ``state.export_mask`` says so: the firm exports, the material has
    a market and is not one the firm uses itself.
    """
    stock, export_mask = state.stock[:-1], state.export_mask
    positive = (stock > 0.0) & active[:, None]
    amount = np.maximum(stock - state.reserved, 0.0)
    exp = positive & export_mask & (amount > 0.0)
    f_idx, m_idx = np.nonzero(exp)
    qty = amount[f_idx, m_idx]
    if market.limited:  # the daily export limit, firms in order
        qty = market.grant(market.export_left, m_idx, qty)
        keep = qty > 0.0
        f_idx, m_idx, qty = f_idx[keep], m_idx[keep], qty[keep]
    stock[f_idx, m_idx] -= qty
    price = np.asarray(market.export_price, dtype=float)[m_idx]
    ledger.add_many(
        float(day),
        f_idx,
        world.node_index["export"],
        m_idx,
        qty,
        Kind.EXPORT,
        value_eur=price * qty,
    )
    excess = stock - state.capacity
    dis = positive & (excess > 0.0)
    f_idx, m_idx = np.nonzero(dis)
    qty = excess[f_idx, m_idx]
    stock[f_idx, m_idx] -= qty
    node, fee, co2e = market.disposal_arrays()
    ledger.add_many(float(day), f_idx, node[m_idx], m_idx, qty, Kind.DISPOSAL,
                    value_eur=fee[m_idx] * qty, co2e_t=co2e[m_idx] * qty)  # fmt: skip
