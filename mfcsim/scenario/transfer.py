"""Transfer coefficients of processes: the check that they are well formed (load time).

A process may declare, per substance, the share of the substance in its inputs that goes to
each output or ``to_environment`` material (``transfer: {N: {digestate: 0.95, ammonia:
0.05}}``). The shares of one substance must sum to 1, and each target must be a material the
process releases with mass, so that the substance has a carrier and is conserved.
"""

from __future__ import annotations

import math
from typing import Any

from mfcsim.scenario.spec import FieldProblem

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
            if proc.transfer:
                _check_closure(scn, proc, ("firms", fid, "processes", pid, "transfer"))


def _check_closure(scn: Any, proc: Any, path: tuple[str, ...]) -> None:
    """No output is certain to carry more substance than its own mass.

    With the inputs at their declared compositions, each output receives its transfer shares
    of the inputs' substances and its declared composition of the others; where that weighs
    more than the output, every run of the process would break closure.
    """
    mats = scn.materials
    held = {
        s: math.fsum(q * mats[m].mass_t_per_unit * mats[m].composition.get(s, 0.0)
                     for m, q in proc.inputs.items())
        for s in proc.transfer
    }  # fmt: skip
    for mid, q in {**proc.outputs, **proc.to_environment}.items():
        mass = q * mats[mid].mass_t_per_unit
        parts = {s: held[s] * shares.get(mid, 0.0) for s, shares in proc.transfer.items()}
        parts.update(
            {s: x * mass for s, x in mats[mid].composition.items() if s not in proc.transfer}
        )
        carried = math.fsum(parts.values())
        if mass > 0 and carried > mass * (1 + TRANSFER_SUM_TOL):
            listed = ", ".join(f"{s} {v:.6g} t" for s, v in parts.items() if v > 0)
            raise FieldProblem(
                path,
                f"{mid!r} would carry {carried:.6g} t of substances in {mass:.6g} t per unit of "
                f"activity ({listed}, with the inputs at their declared compositions) "
                "(accepted: shares and compositions that leave an output no heavier in "
                "substances than itself)",
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
