"""The per-firm path, beside the rule that chooses it.

A firm whose type overrides none of the hooks marked ``per_firm_path`` in
:data:`mfcsim.firms.hooks.HOOKS` (:func:`vectorisable`) runs on the vectorised path
(:mod:`mfcsim.engine.kernel`); every other firm runs here, hook by hook, in scenario order.
The two paths do the same arithmetic, operation for operation, so a firm's ledger rows do
not depend on its path (``tests/test_kernel_paths.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from mfcsim.firms.base import Firm
from mfcsim.ledger import Kind
from mfcsim.world import IMPORT

if TYPE_CHECKING:
    from mfcsim.engine.market import Market
    from mfcsim.engine.state import State
    from mfcsim.ledger import Ledger
    from mfcsim.world import World

#: Below this share of the order, a difference of two stocks is rounding, not a substitute.
SUBSTITUTED_RTOL = 1e-9


def vectorisable(firm: Firm) -> bool:
    """True if the firm's type runs in the vectorised kernels (``Firm.runs_vectorised``).

    The rule derives from the one list of hooks, :data:`mfcsim.firms.hooks.HOOKS`: a type
    leaves the kernels only by overriding a hook marked ``per_firm_path`` without
    implementing its type-level twin.
    """
    return type(firm).runs_vectorised()


def substituted_part(regional: Any, own: Any, want: Any) -> Any:
    """What a substitute covered of an order line: ``regional - own``, rounding left out.

    Numbers or arrays alike (the per-firm path and the kernels share it).
    """
    part = np.maximum(regional - own, 0.0)
    return np.where(part > SUBSTITUTED_RTOL * want, part, 0.0)


class PerFirmPath:
    """The daily phases of the firms with their own hooks, one firm at a time.

    Args:
        firms: The firms on this path, in scenario order.
        world: The run's catalogue.
        state: The run's live arrays.
        ledger: Where imports are written.
        market: Import prices and CO2e.
    """

    def __init__(
        self, firms: list[Firm], world: World, state: State, ledger: Ledger, market: Market
    ) -> None:
        self.firms, self.world, self.state = firms, world, state
        self.ledger, self.market = ledger, market
        self.import_node = world.node_index[IMPORT]

    def plan(self, day: int) -> None:
        """Each active firm plans its processes; the plan goes into the activity record."""
        for firm in self.firms:
            if firm.active:
                firm.plan(day)
                first = firm.process_offset
                self.state.activity_planned[day, first : first + len(firm.planned)] = firm.planned

    def procure(self, day: int) -> None:
        """Each active firm imports what it lacks (its buyers' order lines are recorded)."""
        for firm in self.firms:
            if firm.active:
                self._procure_firm(day, firm)

    def produce(self, day: int) -> None:
        """Each active firm's ``produce`` hook, then its ``after_produce`` (if it has one)."""
        realised = self.state.activity_realised[day]
        for firm in self.firms:
            if firm.active:
                firm.call_hook("produce", day)
        for firm in self.firms:
            if firm.active and "after_produce" in type(firm).overridden_hooks():
                first = firm.process_offset
                row = realised[first : first + len(firm.processes)]
                firm.call_hook("after_produce", day, tuple(float(a) for a in row))
                self.state.hook_version += 1

    def requests(self, day: int, pending: np.ndarray) -> list[tuple[int, int, float]]:
        """(firm, material, units) each firm will lack on ``day``, goods on the way counted."""
        out = []
        for firm in self.firms:
            if firm.spec.join_day > day:
                continue
            wanted = firm.wanted(day)
            holdings = firm.holdings(wanted, extra=pending[firm.index])
            for m, want in wanted.items():
                need = want - holdings[m]
                if need > 1e-9:
                    out.append((firm.index, m, need))
        return out

    def _procure_firm(self, day: int, firm: Firm) -> None:
        """Import what one firm lacks, through its own hooks."""
        market, node = self.market, self.import_node
        wanted = firm.wanted(day)
        holdings = firm.holdings(wanted)
        for m, want in wanted.items():
            have = holdings[m]
            short = want - have
            bought = 0.0
            if short > 1e-12 and firm.spec.imports and market.importable(m):
                bought = short
                if market.limited:  # the daily import limit, firms in order (as the kernel)
                    bought = market.grant_one(market.import_left, m, short)
            if bought > 0.0:
                firm.stock[m] += bought
                self.ledger.add(
                    day,
                    node,
                    firm.index,
                    m,
                    bought,
                    Kind.IMPORT,
                    value_eur=market.import_price[m] * bought,
                    co2e_t=market.import_co2e[m] * bought,
                )
            if firm.spec.buyer and want > 0.0:
                own = min(float(firm.stock[m]) - bought, want)
                regional = min(have, want)
                self.state.service_rows.append(
                    (
                        float(day),
                        firm.index,
                        m,
                        want,
                        regional,
                        float(substituted_part(regional, own, want)),
                        bought,
                        max(want - regional - bought, 0.0),
                    )
                )
