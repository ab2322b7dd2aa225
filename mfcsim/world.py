"""The world of a run: the read-only catalogue compiled once from a scenario.

Materials and nodes get their indices here (the ledger, the stock arrays and every frame use
them), with what the engine reads of each material on every day (mass per unit, CO2e, shelf
life, where it goes when released) and the substitution groups in index form. Nothing here
changes during a run.

May import: scenario, ledger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mfcsim.ledger import Kind
from mfcsim.scenario.root import Scenario

IN_TRANSIT = "in_transit"
IMPORT, EXPORT, ENVIRONMENT, CONSUMPTION = "import", "export", "environment", "consumption"
SINKS = ("air", "water", "soil")


@dataclass(frozen=True, slots=True)
class World:
    """Indices and per-material constants of a run, compiled from its scenario.

    Attributes:
        scenario: The validated scenario.
        horizon_day: Days the run lasts.
        firm_ids: Firm ids in index order (a firm's index is also its node's).
        materials: Material ids in index order; ``material_index`` the reverse.
        mass_t_per_unit: Tonnes per unit of each material.
        co2e_per_unit: t CO2e per unit of each material when emitted.
        is_energy: Whether each material is measured as energy.
        shelf_life_day: Days each material keeps (inf: it keeps).
        nodes: Node ids in index order: the firms, then ``in_transit``, the boundary nodes
            (import, export, environment, the sinks, consumption) and the disposal routes;
            ``node_index`` the reverse.
        transit_node, environment_node: Indices of those nodes.
        sink_of: Per material, the node it goes to when released and the ledger kind.
        substitutes: Per group member, its substitutes with units of it per unit of each.
        group_of, group_ratio: Per group member, its group and its ratio in the group.
        group_balance: Per member of a group with a balance material, that material.
        group_members: The members of each group, in group order.
    """

    scenario: Scenario
    horizon_day: int
    firm_ids: list[str]
    materials: list[str]
    material_index: dict[str, int]
    mass_t_per_unit: np.ndarray
    co2e_per_unit: list[float]
    is_energy: list[bool]
    shelf_life_day: list[float]
    nodes: list[str]
    node_index: dict[str, int]
    transit_node: int
    environment_node: int
    sink_of: list[tuple[int, Kind]]
    substitutes: dict[int, list[tuple[int, float]]]
    group_of: dict[int, int]
    group_ratio: dict[int, float]
    group_balance: dict[int, int]
    group_members: list[list[int]]

    @classmethod
    def compile(cls, scenario: Scenario) -> World:
        """The world of ``scenario``."""
        mats = scenario.materials
        materials = list(mats)
        substitutes, group_of, group_ratio, group_balance, group_members = _groups(
            scenario, {m: i for i, m in enumerate(materials)}
        )
        material_index = {m: i for i, m in enumerate(materials)}
        nodes = _nodes(scenario)
        node_index = {n: i for i, n in enumerate(nodes)}
        return cls(
            scenario=scenario,
            horizon_day=scenario.horizon_day,
            firm_ids=list(scenario.firms),
            materials=materials,
            material_index=material_index,
            mass_t_per_unit=np.array([mats[m].mass_t_per_unit for m in materials]),
            co2e_per_unit=[mats[m].co2e for m in materials],
            is_energy=[mats[m].dimension == "energy" for m in materials],
            shelf_life_day=[
                math.inf if (life := mats[m].shelf_life) is None else life for m in materials
            ],
            nodes=nodes,
            node_index=node_index,
            transit_node=node_index[IN_TRANSIT],
            environment_node=node_index[ENVIRONMENT],
            sink_of=_sinks(scenario, materials, node_index),
            substitutes=substitutes,
            group_of=group_of,
            group_ratio=group_ratio,
            group_balance=group_balance,
            group_members=group_members,
        )


def _nodes(scenario: Scenario) -> list[str]:
    """Firms, transit, the boundary nodes and the disposal routes, in index order."""
    return [
        *scenario.firms,
        IN_TRANSIT,
        IMPORT,
        EXPORT,
        ENVIRONMENT,
        *SINKS,
        CONSUMPTION,
        *scenario.boundary.disposal,
    ]


def _sinks(
    scenario: Scenario, materials: list[str], node_index: dict[str, int]
) -> list[tuple[int, Kind]]:
    """Per material: the node it goes to when released (default air) and the ledger kind."""
    out = []
    for m in materials:
        sink = scenario.materials[m].sink or "air"
        kind = Kind.FINAL_CONSUMPTION if sink == CONSUMPTION else Kind.EMISSION
        out.append((node_index[sink], kind))
    return out


_Groups = tuple[
    dict[int, list[tuple[int, float]]], dict[int, int], dict[int, float], dict[int, int],
    list[list[int]],
]  # fmt: skip


def _groups(scenario: Scenario, idx: dict[str, int]) -> _Groups:
    """The substitution groups in index form (the group fields of :class:`World`).

    Returns:
        substitutes, group_of, group_ratio, group_balance and group_members.
    """
    substitutes: dict[int, list[tuple[int, float]]] = {}
    group_balance: dict[int, int] = {}
    group_of: dict[int, int] = {}
    group_ratio: dict[int, float] = {}
    group_members: list[list[int]] = []
    for g, group in enumerate(scenario.substitution.values()):
        group_members.append([idx[m] for m in group.members])
        for m, ratio in group.members.items():
            group_of[idx[m]] = g
            group_ratio[idx[m]] = ratio
            substitutes[idx[m]] = [
                (idx[alt], alt_ratio / ratio)
                for alt, alt_ratio in group.members.items()
                if alt != m
            ]
            if group.balance is not None:
                group_balance[idx[m]] = idx[group.balance]
    return substitutes, group_of, group_ratio, group_balance, group_members
