"""Disruptions as SimPy processes: outages, yield and demand shocks, closures, policies.

Each disruption changes the state the daily phases read (a firm's ``down`` flag or shock
factors, closed links, the market's prices) and records what happened in the events table.
Scheduled changes fire at the start of their day, before that day's phases; random outages
draw their times from the disruption's own random stream.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import simpy
from simpy.core import URGENT
from simpy.events import Event

from mfcsim.scenario.disruption import ClosureSpec, OutageSpec, PolicySpec, ShockSpec

if TYPE_CHECKING:
    from mfcsim.engine.market import Market
    from mfcsim.engine.state import State
    from mfcsim.engine.transport import Transport
    from mfcsim.firms.base import Firm

EVENT_COLUMNS = ["t_day", "kind", "target", "details"]


class At(Event):
    """An event at absolute time ``t`` with urgent priority (before the day's phases)."""

    def __init__(self, env: simpy.Environment, t: float) -> None:
        super().__init__(env)
        self._ok, self._value = True, None
        env.schedule(self, URGENT, max(t - env.now, 0.0))


class Disruptions:
    """Starts one SimPy process per disruption and keeps the events table."""

    def __init__(
        self,
        env: simpy.Environment,
        specs: Mapping[str, Any],
        firms: list[Firm],
        market: Market,
        transport: Transport,
        rng_for: Callable[..., np.random.Generator],
        state: State,
    ) -> None:
        self.env, self.market, self.transport, self.rng_for = env, market, transport, rng_for
        self.rows: list[tuple[float, str, str, str]] = []
        self.firms = {f.id: f for f in firms}
        #: Firms an outage or shock has touched so far, by index (the only ones whose
        #: ``down`` or ``shocks`` can differ from none; the engine's kernels read these).
        self.touched, self.state = state.touched, state
        for did, spec in specs.items():
            env.process(self._process(did, spec))

    def record(self, kind: str, target: str, **details: Any) -> None:
        """Add one row to the events table, at the current time."""
        text = json.dumps(details, sort_keys=True)
        self.rows.append((float(self.env.now), kind, target, text))

    def _process(self, did: str, spec: Any) -> Generator[Event, Any, None]:
        if isinstance(spec, OutageSpec):
            yield from self._outage(did, spec)
        elif isinstance(spec, ShockSpec):
            yield from self._shock(did, spec)
        elif isinstance(spec, ClosureSpec):
            yield from self._closure(did, spec)
        elif isinstance(spec, PolicySpec):
            yield At(self.env, spec.day)
            for path, value in spec.set.items():
                self.market.set(path, value)
                self.record("policy", path, value=value, disruption=did)

    def _outage(self, did: str, spec: OutageSpec) -> Generator[Event, Any, None]:
        firm, env = self.firms[spec.firm], self.env
        if spec.start_day is not None and spec.duration is not None:
            yield At(env, spec.start_day)
            yield from self._down(firm, did, spec.duration)
            return
        rng = self.rng_for("disruption", did)
        assert spec.mtbf is not None
        assert spec.mttr is not None
        while True:
            yield env.timeout(rng.exponential(spec.mtbf))
            yield from self._down(firm, did, rng.exponential(spec.mttr))

    def _down(self, firm: Firm, did: str, duration: float) -> Generator[Event, Any, None]:
        self.touched[firm.index] = firm
        firm.down += 1
        self.record("outage_start", firm.id, disruption=did, duration_day=round(duration, 6))
        self._tell(firm, "outage", True)
        yield At(self.env, self.env.now + duration)  # before that day's phases
        firm.down -= 1
        self.record("outage_end", firm.id, disruption=did)
        self._tell(firm, "outage", False)

    def _tell(self, firm: Firm, kind: str, started: bool) -> None:
        """Call the firm's ``on_disruption`` hook, if its type has one."""
        if "on_disruption" in type(firm).overridden_hooks():
            firm.call_hook("on_disruption", float(self.env.now), kind, started)
            self.state.hook_version += 1

    def _shock(self, did: str, spec: ShockSpec) -> Generator[Event, Any, None]:
        firm, env = self.firms[spec.firm], self.env
        yield At(env, spec.start_day)
        self.touched[firm.index] = firm
        firm.shocks[did] = (spec.kind, spec.factor)
        self.record(f"{spec.kind}_start", firm.id, disruption=did, factor=spec.factor)
        self._tell(firm, spec.kind, True)
        yield At(env, env.now + spec.duration)
        del firm.shocks[did]
        self.record(f"{spec.kind}_end", firm.id, disruption=did)
        self._tell(firm, spec.kind, False)

    def _closure(self, did: str, spec: ClosureSpec) -> Generator[Event, Any, None]:
        env, transport = self.env, self.transport
        pair = frozenset((self.firms[spec.source].index, self.firms[spec.target].index))
        yield At(env, spec.start_day)
        transport.closed[pair] = transport.closed.get(pair, 0) + 1
        target = f"{spec.source}-{spec.target}"
        self.record("link_closed", target, disruption=did)
        yield At(env, env.now + spec.duration)
        transport.closed[pair] -= 1
        self.record("link_reopened", target, disruption=did)

    def frame(self) -> pd.DataFrame:
        """The events table: ``t_day, kind, target, details`` (details as JSON text)."""
        frame = pd.DataFrame(self.rows, columns=EVENT_COLUMNS)
        frame["t_day"] = frame["t_day"].astype("float64")
        for col in ("kind", "target", "details"):
            frame[col] = frame[col].astype("string")
        return frame
