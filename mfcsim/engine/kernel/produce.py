"""The produce phase of the vectorised kernels: every process run, rank by rank.

Each rank's activity is limited by the inputs on hand; the rank then draws on the environment,
consumes its inputs (own material first, then substitutes, with the mass difference exchanged
with the environment), adds its outputs to stock and sends its releases to their sinks, all as
:class:`~mfcsim.firms.base.Firm` does, operation for operation. The arrays each rank reads are
gathered at start-up (:mod:`mfcsim.engine.kernel.plans`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mfcsim.engine.kernel.plans import flat_cells
from mfcsim.ledger import Kind

if TYPE_CHECKING:
    from mfcsim.engine.kernel.core import Kernel
    from mfcsim.engine.kernel.plans import Rank, Side, Take


def produce_rank(kernel: Kernel, t: float, plan: Rank) -> None:
    """Run the processes of one rank (``plan``) at time ``t``, limited by the inputs on hand."""
    stock = kernel.state.stock
    at_work = plan.is_rank & ~kernel.own_produce if kernel.any_own_produce else plan.is_rank
    activity = np.where(at_work, kernel.planned, 0.0)
    if len(plan.lim_proc):
        np.minimum.at(activity, plan.lim_proc, _pool_stock(kernel, plan) / plan.lim_per)
    activity[activity <= 0.0] = 0.0
    kernel.state.activity_realised[int(t), kernel.proc_column[plan.is_rank]] = activity[
        plan.is_rank
    ]
    ledger, env = kernel.ledger, kernel.world.environment_node
    side = plan.env_in
    amount = side.amounts(activity)
    ledger.add_many(t, env, side.firm, side.material, amount, Kind.EXTRACTION)
    ledger.add_many(t, side.firm, side.firm, side.material, amount, Kind.CONSUMPTION)
    for take in plan.takes:
        _take(kernel, t, take, activity)
    side = plan.outputs
    amount = (
        side.amounts(activity) if kernel.yield_today is None else _yielded(kernel, side, activity)
    )
    flat_cells(stock)[side.cell] += amount
    ledger.add_many(t, side.firm, side.firm, side.material, amount, Kind.PRODUCTION)
    _release(kernel, t, plan, activity)


def _yielded(kernel: Kernel, side: Side, activity: np.ndarray) -> np.ndarray:
    """Output amounts at today's yield factors (as ``Process.output_amounts``)."""
    assert kernel.yield_today is not None
    proc, factor = side.proc, kernel.yield_today[side.proc]
    balance_of = kernel.yield_balance[proc]
    q = np.where(balance_of < 0, side.q, side.q * factor)
    balance = side.material == balance_of
    q = np.where(balance, side.q + (1.0 - factor) * kernel.yield_coef[proc], q)
    amount: np.ndarray = q * activity[proc]
    return amount


def _pool_stock(kernel: Kernel, plan: Rank) -> np.ndarray:
    """Per input limit of the rank: the weighted units of its pool on hand."""
    stock = flat_cells(kernel.state.stock)
    have = np.zeros(len(plan.lim_proc))
    for cell, used, weight in zip(plan.lim_cell, plan.lim_used, plan.lim_w, strict=True):
        term = np.where(used, stock[cell] * weight, 0.0)
        have = np.where(used, have + term, have)
    return have


def _take(kernel: Kernel, t: float, take: Take, activity: np.ndarray) -> None:
    """Consume input entries: own material first, then substitutes (as Firm._take)."""
    stock, ledger, side = flat_cells(kernel.state.stock), kernel.ledger, take.side
    firm, mat = side.firm, side.material
    need = side.amounts(activity)
    own = np.where(take.alt, np.minimum(stock[side.cell], need), need) if take.any_alt else need
    stock[side.cell] -= own
    ledger.add_many(t, firm, firm, mat, own, Kind.CONSUMPTION)
    if take.any_alt:
        _substitute(kernel, t, take, need[take.alt], own[take.alt])


def _substitute(kernel: Kernel, t: float, take: Take, need: np.ndarray, own: np.ndarray) -> None:
    """Take what own stock left uncovered from the substitutes, slot by slot.

    Slots without a substitute take nothing (their placeholder material loses 0.0).
    """
    stock, ledger, firm = flat_cells(kernel.state.stock), kernel.ledger, take.firm
    rest, extra = need - own, np.zeros(len(need))
    for sub, cell, ok, factor, mass_sub in zip(
        take.sub, take.sub_cell, take.sub_ok, take.factor, take.mass_sub, strict=True
    ):
        go = (rest > 0.0) & ok
        amount = np.where(go, np.minimum(stock[cell], rest / factor), 0.0)
        stock[cell] -= amount
        ledger.add_many(t, firm, firm, sub, amount, Kind.CONSUMPTION)
        rest = np.where(go, rest - amount * factor, rest)
        gained = amount * mass_sub - amount * factor * take.mass_mat
        extra = np.where(go, extra + gained, extra)
    _balance(kernel, t, firm, take.balance, extra)


def _balance(
    kernel: Kernel, t: float, firm: np.ndarray, balance: np.ndarray, extra: np.ndarray
) -> None:
    """Exchange a substitution's mass difference with the environment (as Firm._take)."""
    ledger = kernel.ledger
    has = balance >= 0
    out = has & (extra > 0.0)
    if out.any():
        f, b, q = firm[out], balance[out], extra[out]
        ledger.add_many(t, f, f, b, q, Kind.PRODUCTION)
        _to_sinks(kernel, t, f, b, q)
    into = has & (extra < 0.0)
    if into.any():
        f, b, q = firm[into], balance[into], -extra[into]
        ledger.add_many(t, kernel.world.environment_node, f, b, q, Kind.EXTRACTION)
        ledger.add_many(t, f, f, b, q, Kind.CONSUMPTION)


def _to_sinks(
    kernel: Kernel, t: float, firm: np.ndarray, mat: np.ndarray, amount: np.ndarray
) -> None:
    """Send released amounts to each material's sink (air, water, soil, consumption)."""
    for kind in np.unique(kernel.sink_kind[mat]).tolist():
        sel = kernel.sink_kind[mat] == kind
        kernel.ledger.add_many(
            t,
            firm[sel],
            kernel.sink_node[mat[sel]],
            mat[sel],
            amount[sel],
            Kind(kind),
            co2e_t=amount[sel] * kernel.co2e[mat[sel]],
        )


def _release(kernel: Kernel, t: float, plan: Rank, activity: np.ndarray) -> None:
    """Record the rank's releases to the environment and send them to their sinks."""
    side, ledger = plan.env_out, kernel.ledger
    if not len(side.q):
        return
    amount = side.amounts(activity)
    ledger.add_many(t, side.firm, side.firm, side.material, amount, Kind.PRODUCTION)
    for sink in plan.sinks:  # as _to_sinks, grouped once
        q = amount[sink.entries]
        ledger.add_many(t, sink.firm, sink.node, sink.material, q, sink.kind,
                        co2e_t=q * sink.co2e)  # fmt: skip
