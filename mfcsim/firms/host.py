"""FirmHost: what a firm may read of the simulation that runs it (``self.sim``).

The firms layer sits below the engine, so a firm does not know the engine's ``Simulation``
class: it knows this Protocol, which the simulation satisfies. It lists every attribute and
method the built-in firm types read, with its type, and is therefore also the documentation
of what a firm type may rely on. A type of your own may read more of the simulation at run
time, but that is no part of the firm's contract and may change without notice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from mfcsim.ledger import Kind, Ledger
    from mfcsim.scenario.root import Scenario


class ImportMarket(Protocol):
    """What a firm reads of the market outside the region."""

    def importable(self, m: int) -> bool:
        """True if material index ``m`` can be bought outside the region."""
        ...


class FirmHost(Protocol):
    """The simulation as a firm sees it; every member is read-only for the firm.

    Materials are numbered in the order of ``materials`` (the material index ``m``); nodes
    (firms first, in scenario order, then the boundary nodes) are numbered as in the ledger.
    Quantities are in each material's base unit (t, MWh, m3, ...); days count from 0.

    A firm writes only into three arrays it is handed: its own row of ``stock`` (as
    ``Firm.stock``), its own columns of ``activity_realised`` (from ``Firm.process_offset``),
    and the ``ledger`` (through ``Ledger.add``).
    """

    @property
    def scenario(self) -> Scenario:
        """The validated scenario (``start_date``, ``materials`` and their composition)."""

    @property
    def horizon_day(self) -> int:
        """Days simulated."""

    @property
    def materials(self) -> Sequence[str]:
        """Material ids, by material index."""

    @property
    def material_index(self) -> Mapping[str, int]:
        """Material id -> material index."""

    @property
    def mass_t_per_unit(self) -> np.ndarray:
        """Tonnes per unit of each material, by material index."""

    @property
    def co2e_per_unit(self) -> Sequence[float]:
        """Tonnes CO2e per unit of each material released, by material index."""

    @property
    def stock(self) -> np.ndarray:
        """Stock per node (row) and material (column); a firm's row is its ``stock``."""

    @property
    def activity_realised(self) -> np.ndarray:
        """Activity units each process ran, per day (row) and process (column)."""

    @property
    def substitutes(self) -> Mapping[int, Sequence[tuple[int, float]]]:
        """Material index -> its substitutes: (material, units of it per unit substituted)."""

    @property
    def group_of(self) -> Mapping[int, int]:
        """Material index -> its substitution group, for materials in a group."""

    @property
    def group_ratio(self) -> Mapping[int, float]:
        """Material index -> group units per unit of the material, for materials in a group."""

    @property
    def group_members(self) -> Sequence[Sequence[int]]:
        """Substitution group -> its member materials, in the group's order."""

    @property
    def group_balance(self) -> Mapping[int, int]:
        """Material index -> the material that balances the mass of its substitutes."""

    @property
    def environment_node(self) -> int:
        """Node index of the environment (extraction from it, releases to it)."""

    @property
    def sink_of(self) -> Sequence[tuple[int, Kind]]:
        """Material index -> (node, ledger kind) where a release of it goes."""

    @property
    def ledger(self) -> Ledger:
        """The flow ledger; a firm adds its rows with ``Ledger.add``."""

    @property
    def market(self) -> ImportMarket:
        """The market outside the region (what may be imported)."""

    def ship_lot(
        self, t_day: float, source: int, target: str, material: int, quantity: float,
        mode: str | None, origin: str,
    ) -> None:  # fmt: skip
        """Ship a lot from firm ``source`` (index) to firm ``target`` (id); see ``Firm.ship``.

        By road: ``mode`` is a road mode, or None for the network's default.
        """
        ...

    def ship_lots(
        self, t_day: float, sources: np.ndarray, targets: tuple[str, ...], material: int,
        quantities: np.ndarray, modes: tuple[str | None, ...], origins: tuple[str, ...],
    ) -> None:  # fmt: skip
        """Ship one lot per supplier (indices), in order; see ``FirmGroup.ship``."""
        ...

    def rng_for(self, *key: str) -> np.random.Generator:
        """An independent random stream for ``key`` (e.g. ``("firm", "dairy_1")``)."""
        ...
