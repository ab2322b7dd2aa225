"""The C heap: the pages freed by large steps of a run handed back to the system.

Arrays of up to 32 MB come from glibc's heap; once freed, their pages stay with the process
(counted in its resident memory) until the heap is trimmed, and the next step's arrays,
often larger and mapped afresh, cannot reuse them. A run's memory peaks are its largest
steps (the results frames, the mass-balance check, each indicator), so the steps give the
freed heap back as they end: ``malloc_trim`` costs a few milliseconds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any


@cache
def _malloc_trim() -> Any:
    """Glibc's ``malloc_trim``, or None elsewhere (macOS, musl)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        trim = libc.malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def return_freed_memory() -> None:
    """Hand the heap pages freed so far back to the system (glibc ``malloc_trim``).

    Buffers of a few MB (the ledger's and the transport's chunks, the daily snapshots) come
    from the C heap; freeing them leaves the pages with the process, where the large
    arrays of the results (each mapped afresh) cannot use them. ``malloc_trim(0)`` releases
    every free page of the heap. Elsewhere than glibc (macOS, musl) nothing is done.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
