"""Transfer coefficients of processes: the check that they are well formed (load time).

A process may declare, per substance, the share of the substance in its inputs that goes to
each output or ``to_environment`` material (``transfer: {N: {digestate: 0.95, ammonia:
0.05}}``). The shares of one substance must sum to 1, and each target must be a material the
process releases with mass, so that the substance has a carrier and is conserved.
"""

from __future__ import annotations

import math
from typing import Any

from mfcsim.scenario.schema_base import FieldProblem

#: Tolerance on the sum of the shares of one substance.
TRANSFER_SUM_TOL = 1e-6


def check_transfer(scn: Any) -> None:
    """Every transfer coefficient names a massive output and each substance's shares sum to 1.

    Raises:
        FieldProblem: At ``firms.<firm>.processes.<process>.transfer.<substance>[.<material>]``.
    """
    for fid, firm in scn.firms.items():
        for pid, proc in firm.processes.items():
            for substance, shares in proc.transfer.items():
                path = ("firms", fid, "processes", pid, "transfer", substance)
                _check_targets(scn, proc, path, shares)
                total = math.fsum(shares.values())
                if abs(total - 1.0) > TRANSFER_SUM_TOL:
                    raise FieldProblem(
                        path,
                        f"transfer coefficients of {substance!r} in process {pid!r} of firm "
                        f"{fid!r} sum to {total:.6g} (accepted: shares that sum to 1)",
                    )


def _check_targets(scn: Any, proc: Any, path: tuple[str, ...], shares: dict[str, float]) -> None:
    released = {**proc.outputs, **proc.to_environment}
    carriers = sorted(
        m for m, q in released.items() if q > 0 and scn.materials[m].mass_t_per_unit > 0
    )
    for mid in shares:
        if mid not in carriers:
            raise FieldProblem(
                (*path, mid),
                f"{mid!r} is not an output or to_environment material of the process with mass "
                f"(accepted: {', '.join(carriers) or 'none'})",
            )
