"""What a firm's processes do to substances: recipes and transfer coefficients.

A production row of the ledger gets its substance content here, from the substance the same
firm consumed on the same day (its *block*):

* a substance with a transfer coefficient in the process: ``content of output k = substance
  consumed x share to k``, split over the block's rows of ``k`` by quantity;
* any other substance: the output's declared composition x its mass (a recipe).

A firm with several processes that declare transfer coefficients needs each process's share
of what was consumed. The ledger does not say which process consumed what, so the activities
of the day are estimated by non-negative least squares from the block's consumption and
production (per material, in t), and each consumed material is allocated to the processes in
proportion to ``activity x recipe input`` (a material no recipe lists, e.g. a substitute, in
proportion to ``activity x recipe input mass``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mfcsim.scenario.root import Scenario


@dataclass(slots=True)
class FirmProcesses:
    """The recipes of one firm as mass per activity, and their transfer coefficients.

    Attributes:
        inputs: Processes x materials: t consumed per unit of activity (inputs and
            from_environment).
        outputs: Processes x materials: t released per unit of activity (outputs and
            to_environment).
        transfer: Processes x substances x materials: share of the consumed substance that
            goes to each material.
        has_transfer: Processes x substances: True where the process has a coefficient.
    """

    inputs: np.ndarray
    outputs: np.ndarray
    transfer: np.ndarray
    has_transfer: np.ndarray

    def activities_matter(self, consumed_t: np.ndarray) -> np.ndarray:
        """Per block (row of ``consumed_t``): False if the allocation ignores the activities.

        That is so when every consumed material is the input of exactly one process, and
        every substance has transfer coefficients in all processes or in none.
        """
        users = (self.inputs > 0).sum(axis=0)
        uniform = self.has_transfer.all(axis=0) | ~self.has_transfer.any(axis=0)
        shared = ((consumed_t > 0) & (users != 1)).any(axis=1)
        return shared | (not uniform.all())

    @property
    def needs_allocation(self) -> bool:
        """True if the firm has several processes and one of them has transfer coefficients."""
        return len(self.inputs) > 1 and bool(self.has_transfer.any())


def firm_processes(
    scenario: Scenario, firm_id: str, materials: list[str], substances: list[str]
) -> FirmProcesses:
    """The compiled recipes of ``firm_id`` on the given material and substance numbering."""
    procs = list(scenario.firms[firm_id].processes.values())
    n_p, n_m, n_s = len(procs), len(materials), len(substances)
    mass = np.array([scenario.materials[m].mass_t_per_unit for m in materials])
    m_idx = {m: i for i, m in enumerate(materials)}
    s_idx = {s: i for i, s in enumerate(substances)}
    ins, outs = np.zeros((n_p, n_m)), np.zeros((n_p, n_m))
    transfer, has = np.zeros((n_p, n_s, n_m)), np.zeros((n_p, n_s), dtype=bool)
    for p, proc in enumerate(procs):
        _fill(ins[p], m_idx, proc.inputs, proc.from_environment)
        _fill(outs[p], m_idx, proc.outputs, proc.to_environment)
        for substance, shares in proc.transfer.items():
            has[p, s_idx[substance]] = True
            for mid, share in shares.items():
                transfer[p, s_idx[substance], m_idx[mid]] = share
    return FirmProcesses(ins * mass, outs * mass, transfer, has)


def _fill(row: np.ndarray, index: dict[str, int], *amounts: dict[str, float]) -> None:
    for side in amounts:
        for mid, q in side.items():
            row[index[mid]] += q


def single_process_tables(
    procs: list[FirmProcesses], n_s: int, n_m: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per firm: the transfer coefficients and their mask, for firms without allocation.

    Firms with one process use its coefficients; firms with none, or with several processes
    none of which has coefficients, are pure recipes (mask all False).
    """
    transfer = np.zeros((len(procs), n_s, n_m))
    has = np.zeros((len(procs), n_s), dtype=bool)
    for f, fp in enumerate(procs):
        if len(fp.inputs) == 1:
            transfer[f], has[f] = fp.transfer[0], fp.has_transfer[0]
    return transfer, has


def allocation_tables(
    fp: FirmProcesses, consumed_t: np.ndarray, produced_t: np.ndarray, declared: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """What a multi-process firm's blocks do with their masses, before any substance is known.

    The allocation depends on the masses of a block only (the ledger), so it is computed for
    every block of the firm at once; :func:`transferred` applies it to the substance content.

    Args:
        fp: The firm's processes.
        consumed_t: Blocks x materials: mass consumed.
        produced_t: Blocks x materials: mass produced.
        declared: Materials x substances: declared compositions (mass fractions).

    Returns:
        ``weight``, blocks x processes x materials: the share of each consumed material that
        goes into each process; and ``recipe_t``, blocks x materials x substances: the
        substance that the recipes (declared compositions) put in what was produced.
    """
    activity = _activities(fp, consumed_t, produced_t)  # blocks x processes
    n_p = fp.inputs.shape[0]
    use = activity[:, :, None] * fp.inputs  # blocks x processes x materials
    total = use.sum(axis=1)
    by_mass = activity * fp.inputs.sum(axis=1)
    by_mass_total = by_mass.sum(axis=1)[:, None]
    fallback = np.where(
        by_mass_total > 0, by_mass / np.where(by_mass_total > 0, by_mass_total, 1.0), 1 / n_p
    )
    weight = np.where(
        total[:, None, :] > 0,
        use / np.where(total > 0, total, 1.0)[:, None, :],
        fallback[:, :, None],
    )
    made = activity[:, :, None] * fp.outputs  # blocks x processes x materials
    made_total = made.sum(axis=1)[:, :, None]
    recipe_made = np.einsum("bpm,ps->bms", made, ~fp.has_transfer)
    recipe_share = np.where(
        made_total > 0,
        recipe_made / np.where(made_total > 0, made_total, 1.0),
        (~fp.has_transfer).all(axis=0).astype(float),
    )
    return weight, declared * produced_t[:, :, None] * recipe_share


def transferred(into: np.ndarray, has_transfer: np.ndarray, transfer: np.ndarray) -> np.ndarray:
    """Substance each material receives by transfer coefficients, for a stack of blocks.

    Args:
        into: Blocks x processes x substances: substance consumed by each process.
        has_transfer: Blocks x processes x substances: where the process has a coefficient.
        transfer: Blocks x processes x substances x materials: the coefficients.

    Returns:
        Blocks x materials x substances. Processes padded with zeros add nothing, so blocks
        of firms with fewer processes can share the stack.
    """
    return np.einsum("bps,bpsm->bms", into * has_transfer, transfer)


def _activities(fp: FirmProcesses, consumed_t: np.ndarray, produced_t: np.ndarray) -> np.ndarray:
    """Activities that best explain each block's consumption and production (NNLS).

    Blocks whose allocation does not depend on them get 1; equal blocks are fitted once.
    """
    activity = np.ones((len(consumed_t), fp.inputs.shape[0]))
    matters = fp.activities_matter(consumed_t)
    if not matters.any():
        return activity
    matrix = np.vstack([fp.inputs.T, fp.outputs.T])
    scale = np.abs(matrix).max(axis=1)
    used = scale > 0  # materials no recipe names (substitutes) say nothing about activity
    scaled = matrix[used] / scale[used, None]
    target = np.hstack([consumed_t[matters], produced_t[matters]])[:, used] / scale[used]
    distinct, inverse = np.unique(target, axis=0, return_inverse=True)
    from scipy.optimize import nnls  # imported here: scipy.optimize costs ~0.5 s to import

    fits = np.array([nnls(scaled, row)[0] for row in distinct])
    activity[matters] = fits[inverse.reshape(-1)]
    return activity
