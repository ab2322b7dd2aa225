"""Planet indicators: residues, circularity, virgin input, water, disposal, transport.

The other planet indicators are in :mod:`.climate` (CO2e), :mod:`.food` and :mod:`.nutrients`.

Material indicators count mass (t) of materials of kind product, raw_material and residue,
water excepted (:data:`~mfcsim.indicators.window.MATERIAL_KINDS`; materials declaring ``water:
true``): energy,
emissions and environmental exchanges (oxygen, crop uptake, food eaten) are not material
inputs, and water, which outweighs everything else, is reported on its own (``water_input_t``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mfcsim.coded import groupby_sums, is_in, recode, union_names
from mfcsim.indicators.registry import SCOPES_ALL, SCOPES_FIRM, indicator
from mfcsim.indicators.window import (
    Scoped,
    Window,
    by_scope,
    firm_and_material,
    firm_column,
    per_run,
    per_window,
    shares_by_scope,
    sum_by,
    sum_by_name,
)
from mfcsim.scenario.root import Scenario


def _per_firm_material(
    rows: pd.DataFrame, firm_column: str, names: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mass (t) of ledger rows by (firm, material), as pandas groupby sums them.

    Returns:
        Firm codes (into ``names``), material codes and mass (t), ordered by firm and material.
    """
    firm = recode(rows[firm_column], names)
    material = rows["material"].cat.codes.to_numpy().astype(np.int64)
    n_materials = len(rows["material"].cat.categories)
    keys, mass_t = groupby_sums(firm * n_materials + material, rows["mass_t"].to_numpy())
    firm, material = np.divmod(keys, n_materials)
    return firm, material, mass_t


def _residue_rows(window: Window, kind: str, firm_column: str = "source") -> pd.DataFrame:
    """Rows of one kind of residues with mass: ``firm_column``, ``material`` and ``mass_t``."""
    columns = (firm_column, "material", "mass_t")
    residues = window.ids_of_kind("residue")
    return window.rows(kind, columns, material_only=True, materials=residues)


@per_run
def _node_names(window: Window) -> list[str]:
    """Names of the ledger's nodes (sources first), the codes of the per-firm tables."""
    return union_names((window.results.flows["source"], window.results.flows["target"]))


@per_window
def _regional_residue_use(window: Window) -> pd.Series:
    """Residue mass (t) each firm consumed from the region.

    Consumed minus imported, per firm and material, floored at zero.
    """
    names = _node_names(window)
    firm, material, used = _per_firm_material(_residue_rows(window, "consumption"), "source", names)
    n_materials = len(window.ledger["material"].cat.categories)
    i_firm, i_material, imported = _per_firm_material(
        _residue_rows(window, "import", "target"), "target", names
    )
    imported_t = pd.Series(imported, index=i_firm * n_materials + i_material)
    regional = used - imported_t.reindex(firm * n_materials + material, fill_value=0.0).to_numpy()
    regional = np.where(np.isnan(regional) | (regional >= 0.0), regional, 0.0)
    return sum_by_name(firm, names, regional)


def carried_over_share(scenario: Scenario) -> dict[tuple[str, str], float]:
    """Per firm and residue: the share of its output that continues residues put in (recipes).

    A process's outputs are made of its inputs in proportion to their mass, so the residue
    share of a process's input mass carries over into its residue outputs (a digester fed only
    manure: all of its digestate; a glasshouse fed CO2 and much water: a small share of its
    green waste). Several processes making one residue are weighed by their output per unit.
    """
    mats = scenario.materials

    def mass(amounts: dict[str, float], *, residue: bool = False) -> float:
        return sum(
            q * mats[m].mass_t_per_unit
            for m, q in amounts.items()
            if not residue or mats[m].kind == "residue"
        )

    shares: dict[tuple[str, str], float] = {}
    for fid, firm in scenario.firms.items():
        made: dict[str, list[float]] = {}
        for proc in firm.processes.values():
            total = mass(proc.inputs)
            share = mass(proc.inputs, residue=True) / total if total > 0 else 0.0
            for mid, q in proc.outputs.items():
                if mats[mid].kind == "residue":
                    out = made.setdefault(mid, [0.0, 0.0])
                    out[0] += q * share
                    out[1] += q
        shares.update({(fid, m): c / q for m, (c, q) in made.items() if q > 0})
    return shares


@per_run
def _carried_over_share(window: Window) -> dict[tuple[str, str], float]:
    return carried_over_share(window.scenario)


@per_window
def residue_chain(window: Window) -> pd.DataFrame:
    """Per firm: residues produced, used from the region, exported, and the chain rule's split.

    A firm's residue output that continues residues it consumed from the region (the
    :func:`carried_over_share` of its output, at most the regional residue mass it consumed:
    digestate from manure, compost from green waste) is not generated anew: ``continued_t``.
    The rest of its output is ``generated_t``. What ends used as an input, ``valorised_t``, is
    its regional residue use that did not continue as a residue, plus the residues it exported
    (sold as inputs outside the region).
    """
    names = _node_names(window)
    firm, material, produced = _per_firm_material(
        _residue_rows(window, "production"), "source", names
    )
    shares = _carried_over_share(window)
    materials = [str(m) for m in window.ledger["material"].cat.categories]
    pairs = zip(firm.tolist(), material.tolist(), strict=True)
    share = [shares.get((names[f], materials[m]), 0.0) for f, m in pairs]
    carried = produced * np.array(share, dtype=float)
    frame = pd.DataFrame(
        {
            "produced_t": sum_by_name(firm, names, produced),
            "carried_t": sum_by_name(firm, names, carried),
            "used_t": _regional_residue_use(window),
            "exported_t": sum_by(_residue_rows(window, "export"), "source", "mass_t"),
        }
    ).fillna(0.0)
    frame["continued_t"] = np.minimum(frame["carried_t"], frame["used_t"])
    frame["generated_t"] = frame["produced_t"] - frame["continued_t"]
    frame["valorised_t"] = frame["used_t"] - frame["continued_t"] + frame["exported_t"]
    return frame


for _name, _column, _definition in (
    (
        "residues_generated_t",
        "generated_t",
        "Residues produced, less the share that continues residues the firm consumed from the "
        "region (chain rule).",
    ),
    (
        "residues_valorised_t",
        "valorised_t",
        "Residues that end used as an input: regional residues consumed, less what the user's "
        "own residue output continues (chain rule), plus residues exported.",
    ),
):
    indicator(_name, unit="t", pillar="planet", scopes=SCOPES_FIRM, definition=_definition)(
        firm_column(residue_chain, _column)
    )


@indicator(
    "residue_valorisation_share",
    unit="share",
    pillar="planet",
    definition="Of the residues that met an end in the period, the share used as an input (in "
    "the region, chain rule, or exported) rather than disposed or released.",
)
def residue_valorisation_share(window: Window) -> float:
    """``valorised / (valorised + disposed + released)`` residue mass of the cluster.

    A share of the residues' ends, not of what was generated: residues left in stock or on
    the road have not met an end yet, and stock drawn down from before the period counts
    where it is used, so the rate stays within [0, 1] over any period.
    """
    valorised = float(residue_chain(window)["valorised_t"].sum())
    wasted = sum(float(_residue_rows(window, kind)["mass_t"].sum())
                 for kind in ("disposal", "emission"))  # fmt: skip
    ends = valorised + wasted
    return valorised / ends if ends > 0 else float("nan")


@per_window
def _material_inputs(window: Window) -> pd.Series:
    """Mass (t) of material consumed by each firm's processes."""
    rows = window.rows("consumption", ("source", "mass_t"), material_only=True)
    return sum_by(rows, "source", "mass_t")


@indicator(
    "regional_secondary_input_share",
    unit="share",
    pillar="planet",
    scopes=SCOPES_FIRM,
    definition="Share of material inputs that are residues from the region (consumed minus "
    "imported, per firm and material).",
)
def regional_secondary_input_share(window: Window) -> Scoped:
    """Circularity of inputs: regional secondary material over all material inputs."""
    return shares_by_scope(_regional_residue_use(window), _material_inputs(window), "firm")


@indicator(
    "inflow_circularity",
    unit="share",
    pillar="planet",
    scopes=SCOPES_FIRM,
    definition="ISO 59020-style: share of material inputs that are secondary (residues), "
    "regional or imported.",
)
def inflow_circularity(window: Window) -> Scoped:
    """Secondary material inputs over all material inputs."""
    secondary = sum_by(_residue_rows(window, "consumption"), "source", "mass_t")
    return shares_by_scope(secondary, _material_inputs(window), "firm")


#: Ledger kinds by which material leaves a firm, and those that recover it for a further use.
OUTFLOW_KINDS = ("shipment", "export", "disposal", "emission")
RECOVERED_KINDS = ("shipment", "export")


@indicator(
    "outflow_circularity",
    unit="share",
    pillar="planet",
    scopes=SCOPES_FIRM,
    definition="ISO 59020-style: share of the material leaving firms (shipped, exported, "
    "disposed, emitted) that goes on to a use (shipped or exported).",
)
def outflow_circularity(window: Window) -> Scoped:
    """Recovered outflow over all material outflow of each firm."""
    # shipments are their dispatch rows: the arrivals' source, in_transit, is no firm anyway
    out = window.rows(OUTFLOW_KINDS, ("source", "kind", "mass_t"), material_only=True)
    out = out[is_in(out["source"], window.firm_ids())]
    recovered = out[is_in(out["kind"], RECOVERED_KINDS)]
    return shares_by_scope(
        sum_by(recovered, "source", "mass_t"), sum_by(out, "source", "mass_t"), "firm"
    )


def _inbound(window: Window, *, water: bool) -> pd.DataFrame:
    """Import and extraction rows of virgin material (or of water): target, material, mass."""
    if water:
        chosen = window.ids_where("water", True)
    else:
        mats = window.materials
        virgin = mats.index[mats["is_material"] & mats["kind"].isin(("raw_material", "product"))]
        chosen = [str(m) for m in virgin]
    columns = ("target", "material", "mass_t")
    return window.rows(("import", "extraction"), columns, materials=chosen)


@indicator(
    "virgin_material_input_t",
    unit="t",
    pillar="planet",
    scopes=SCOPES_ALL,
    definition="Primary material (raw materials and products, not water) imported into or "
    "extracted by the region.",
)
def virgin_material_input_t(window: Window) -> Scoped:
    """Mass of virgin material entering the region."""
    return firm_and_material(_inbound(window, water=False), "target", "mass_t")


@indicator(
    "water_input_t",
    unit="t",
    pillar="planet",
    scopes=SCOPES_FIRM,
    definition="Water imported into or extracted by the region (kept out of the material "
    "indicators).",
)
def water_input_t(window: Window) -> Scoped:
    """Mass of water entering the region."""
    return by_scope(sum_by(_inbound(window, water=True), "target", "mass_t"), "firm")


@indicator(
    "disposal_t",
    unit="t",
    pillar="planet",
    scopes=SCOPES_ALL,
    definition="Mass sent to disposal routes (landfill, incineration, ...).",
)
def disposal_t(window: Window) -> Scoped:
    """Mass disposed by each firm and of each material."""
    rows = window.rows("disposal", ("source", "material", "mass_t"))
    return firm_and_material(rows, "source", "mass_t")


@indicator(
    "transport_tkm",
    unit="t*km",
    pillar="planet",
    scopes=SCOPES_ALL,
    definition="Mass shipped in the region times distance travelled (firm: as supplier).",
)
def transport_tkm(window: Window) -> Scoped:
    """t·km of every shipment dispatched in the period."""
    ships = window.rows("shipment", ("source", "material", "mass_t", "distance_km"))
    ships = ships.assign(tkm=ships["mass_t"] * ships["distance_km"])
    return firm_and_material(ships, "source", "tkm")
