"""A run's memory: what it will need (checked before it starts), and freed heap given back."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from mfcsim.errors import UsageError

if TYPE_CHECKING:
    from mfcsim.scenario.root import Scenario


def memory_needed_bytes(scenario: Scenario) -> int:
    """A lower bound of a run's memory: its daily stock snapshots and activity record.

    (firms + 1) × materials × (days + 1) snapshot cells and 2 × days × processes activity
    cells, 8 bytes each; the ledger comes on top (it grows with what happens).
    """
    firms, materials = len(scenario.firms), len(scenario.materials)
    processes = sum(len(f.processes) for f in scenario.firms.values())
    days = scenario.horizon_day
    return 8 * ((firms + 1) * materials * (days + 1) + 2 * days * processes)


def machine_memory_bytes() -> int:
    """The machine's physical memory (bytes); 0 if it cannot be told."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 0


def check_memory(scenario: Scenario) -> None:
    """Refuse a run whose snapshots alone would not fit in the machine's memory.

    Raises:
        UsageError: With the estimate and the machine's memory.
    """
    need, have = memory_needed_bytes(scenario), machine_memory_bytes()
    if have and need > have:
        raise UsageError(
            f"{scenario.name}: {len(scenario.firms):,} firms x {len(scenario.materials):,} "
            f"materials x {scenario.horizon_day:,} days need at least {need / 2**30:,.1f} GiB "
            "for the daily stocks alone, more than this machine's "
            f"{have / 2**30:,.1f} GiB (accepted: fewer days, firms or materials)"
        )
