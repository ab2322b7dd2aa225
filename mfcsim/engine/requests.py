"""Tomorrow's requests of every firm, as the columns the regional agent receives.

The vectorised firms' requests come from the kernel's arrays, the others' from their own
hooks (:class:`~mfcsim.engine.per_firm.PerFirmPath`); both count a firm's stock and the goods
on their way to it, and a substitute only where the firm can use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mfcsim.agent.process import RequestColumns

if TYPE_CHECKING:
    from mfcsim.engine.kernel.core import Kernel
    from mfcsim.engine.per_firm import PerFirmPath


def day_requests(
    day: int, kernel: Kernel, per_firm: PerFirmPath, join_day: np.ndarray, pending: np.ndarray
) -> RequestColumns:
    """Every firm's requests for ``day``, in firm order (a firm's own order within).

    Args:
        day: The day the goods are needed (tomorrow).
        kernel: The vectorised path.
        per_firm: The per-firm path.
        join_day: The day each firm joins.
        pending: Units on the way to each firm, per material.
    """
    joined = join_day <= day
    want = kernel.target_cells(kernel.planned_for(day, joined), day)
    need = want - kernel.available_cells(want, pending)
    rows = np.flatnonzero((joined & kernel.is_kernel)[kernel.cell_firm] & (need > 1e-9))
    f_idx, m_idx = kernel.cell_firm[rows], kernel.cell_material[rows]  # row-major
    order = np.lexsort((kernel.want_order[f_idx, m_idx], f_idx))
    firm, material = f_idx[order].astype(np.int64), m_idx[order].astype(np.int64)
    quantity = need[rows[order]]
    others = per_firm.requests(day, pending)
    if others:
        firm = np.concatenate([firm, [r[0] for r in others]]).astype(np.int64)
        material = np.concatenate([material, [r[1] for r in others]]).astype(np.int64)
        quantity = np.concatenate([quantity, [r[2] for r in others]])
        by_firm = np.argsort(firm, kind="stable")
        firm, material, quantity = firm[by_firm], material[by_firm], quantity[by_firm]
    return RequestColumns(firm, material, quantity)
