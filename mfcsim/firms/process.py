"""Process: a firm's recipe compiled to material indices, with its daily seasonal factor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mfcsim.scenario.firm import SeasonalitySpec


@dataclass(slots=True)
class Process:
    """A compiled recipe: material indices and amounts per unit of activity."""

    id: str
    capacity: float
    inputs: tuple[tuple[int, float], ...]
    outputs: tuple[tuple[int, float], ...]
    from_environment: tuple[tuple[int, float], ...]
    to_environment: tuple[tuple[int, float], ...]
    season: np.ndarray
    #: Input limits: (pool of (material, units per pool unit), pool units per activity unit).
    #: A plain input is a pool of itself; inputs of one substitution group share one pool.
    limits: tuple[tuple[tuple[tuple[int, float], ...], float], ...] = ()
    #: The output that takes the mass difference of a yield factor (material index), or None:
    #: the outputs are as written.
    yield_balance: int | None = None
    #: Units of ``yield_balance`` per activity unit per unit of (1 - yield factor): the other
    #: outputs' mass per activity unit over the balance material's mass per unit.
    yield_coef: float = 0.0

    def output_amounts(self, factor: float) -> list[tuple[int, float]]:
        """Outputs per activity unit at a yield ``factor``.

        The others times the factor, the balance material plus what they lose:
        ``q + (1 - factor) * yield_coef``.
        """
        b = self.yield_balance
        return [
            (m, q + (1.0 - factor) * self.yield_coef if m == b else q * factor)
            for m, q in self.outputs
        ]


def season_factors(spec: SeasonalitySpec, start: dt.date, days: int) -> np.ndarray:
    """Daily activity factor over the horizon from monthly factors and a day-of-year window."""
    dates = [start + dt.timedelta(days=d) for d in range(days)]
    factors = np.ones(days)
    if spec.monthly is not None:
        factors *= np.array([spec.monthly[d.month - 1] for d in dates])
    if spec.window is not None:
        first, last = spec.window
        doy = np.array([d.timetuple().tm_yday for d in dates])
        inside = (doy >= first) & (doy <= last) if first <= last else (doy >= first) | (doy <= last)
        factors *= inside
    return factors
