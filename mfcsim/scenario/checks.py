"""Cross-references: the checks that relate the fields of a scenario to each other.

They run on the validated :class:`~mfcsim.scenario.root.Scenario`, in the order its validator
calls them, and raise :class:`~mfcsim.scenario.spec.FieldProblem` at the path of the first
field at fault: unknown materials, firms, modes and disposal routes; recipes that do not
close their mass balance; contracts, substitution groups, disruptions, evaluation periods and
greenhouse-gas declarations that do not fit the rest of the scenario.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from mfcsim.ghg import gwp_of
from mfcsim.scenario.convert import FIRM_MATERIAL_MAPS, RECIPE_MAPS
from mfcsim.scenario.disruption import POLICY_PATHS, PolicySpec
from mfcsim.scenario.spec import FieldProblem

if TYPE_CHECKING:
    from mfcsim.scenario.firm import ProcessSpec
    from mfcsim.scenario.root import Scenario

#: Relative tolerance of the recipe mass-balance check at load.
RECIPE_RTOL = 1e-6
#: Relative tolerance when a declared co2e is compared with the GWP set's.
CO2E_RTOL = 1e-9


#: Node names the engine uses for itself (the boundary), besides the disposal routes.
RESERVED_NODES = (
    "in_transit", "import", "export", "environment", "air", "water", "soil", "consumption",
)  # fmt: skip


def check_firm_ids(scn: Scenario) -> None:
    """No firm may take the name of a node of the boundary or a disposal route."""
    reserved = (*RESERVED_NODES, *scn.boundary.disposal)
    for fid in scn.firms:
        if fid in reserved:
            raise FieldProblem(
                ("firms", fid),
                f"firm id {fid!r} is reserved (reserved: {', '.join(reserved)}; accepted: "
                "another id)",
            )


def _unknown_material(scn: Scenario, path: tuple[str | int, ...], mid: str) -> FieldProblem:
    known = ", ".join(sorted(scn.materials))
    return FieldProblem(path, f"unknown material {mid!r} (accepted: {known})")


def check_firm_materials(scn: Scenario) -> None:
    """Every material a firm or recipe names, or a material replaces, is defined."""
    for mid, mat in scn.materials.items():
        for i, rep in enumerate(mat.replaces):
            path = ("materials", mid, "replaces", i, "material")
            if rep.material == mid:
                others = ", ".join(sorted(m for m in scn.materials if m != mid))
                raise FieldProblem(
                    path, f"{mid!r} cannot replace itself (accepted: another material: {others})"
                )
            if rep.material not in scn.materials:
                raise _unknown_material(scn, path, rep.material)
    for fid, firm in scn.firms.items():
        for key in FIRM_MATERIAL_MAPS:
            for mid in getattr(firm, key):
                if mid not in scn.materials:
                    raise _unknown_material(scn, ("firms", fid, key, mid), mid)
        for pid, proc in firm.processes.items():
            for key in RECIPE_MAPS:
                for mid in getattr(proc, key):
                    if mid not in scn.materials:
                        raise _unknown_material(
                            scn, ("firms", fid, "processes", pid, key, mid), mid
                        )


def recipe_mass_difference_t(scn: Scenario, proc: ProcessSpec) -> float:
    """Mass in minus mass out of one unit of activity of a recipe (t), all four sides."""

    def mass(amounts: dict[str, float]) -> float:
        return math.fsum(q * scn.materials[m].mass_t_per_unit for m, q in amounts.items())

    mass_in = mass(proc.inputs) + mass(proc.from_environment)
    return mass_in - mass(proc.outputs) - mass(proc.to_environment)


def _recipe_masses(scn: Scenario, proc: ProcessSpec) -> str:
    """``in: feed 0.05 t, water 0.08 t; out: milk 0.028 t`` for an error message."""

    def side(*maps: dict[str, float]) -> str:
        items = [
            f"{m} {q * scn.materials[m].mass_t_per_unit:.6g} t"
            for amounts in maps
            for m, q in amounts.items()
            if scn.materials[m].mass_t_per_unit > 0
        ]
        return ", ".join(items) or "nothing"

    return (
        f"in: {side(proc.inputs, proc.from_environment)}; "
        f"out: {side(proc.outputs, proc.to_environment)}"
    )


def check_recipes(scn: Scenario) -> None:
    """Every recipe has inputs or outputs and closes its mass balance (``RECIPE_RTOL``)."""
    for fid, firm in scn.firms.items():
        for pid, proc in firm.processes.items():
            if not proc.inputs and not proc.outputs:
                raise FieldProblem(
                    ("firms", fid, "processes", pid),
                    "a process with no inputs and no outputs (accepted: a recipe with inputs "
                    "or outputs; a misspelt process id in a --set or an override creates one)",
                )
            if proc.yield_balance is not None and proc.outputs.get(proc.yield_balance, 0.0) <= 0:
                raise FieldProblem(
                    ("firms", fid, "processes", pid, "yield_balance"),
                    f"{proc.yield_balance!r} is not an output of the process (accepted: one of "
                    f"{', '.join(sorted(proc.outputs)) or 'its outputs; it has none'})",
                )
            diff = recipe_mass_difference_t(scn, proc)
            scale = max(
                sum(q * scn.materials[m].mass_t_per_unit for m, q in proc.inputs.items()),
                sum(q * scn.materials[m].mass_t_per_unit for m, q in proc.outputs.items()),
                1e-12,
            )
            if abs(diff) > RECIPE_RTOL * scale:
                side = "inputs exceed outputs" if diff > 0 else "outputs exceed inputs"
                raise FieldProblem(
                    ("firms", fid, "processes", pid),
                    f"recipe does not close its mass balance: {side} by {abs(diff):.6g} t per "
                    f"unit of activity ({_recipe_masses(scn, proc)}; accepted: declare the "
                    f"difference in to_environment or from_environment)",
                )


def check_network(scn: Scenario) -> None:
    """One coordinate system; links and pipelines join known firms with known materials."""
    geo = {f.location.geographic for f in scn.firms.values()}
    if len(geo) > 1:
        raise FieldProblem(("firms",), "mix of lat/lon and x_km/y_km locations (use one system)")
    for i, link in enumerate(scn.network.links):
        for end in ("source", "target"):
            if getattr(link, end) not in scn.firms:
                raise _unknown_firm(scn, ("network", "links", i, end), getattr(link, end))
    for i, pipe in enumerate(scn.network.pipelines):
        for end in ("source", "target"):
            if getattr(pipe, end) not in scn.firms:
                raise _unknown_firm(scn, ("network", "pipelines", i, end), getattr(pipe, end))
        for j, mid in enumerate(pipe.materials):
            if mid not in scn.materials:
                raise _unknown_material(scn, ("network", "pipelines", i, "materials", j), mid)


def _unknown_firm(scn: Scenario, path: tuple[str | int, ...], fid: str) -> FieldProblem:
    return FieldProblem(path, f"unknown firm {fid!r} (accepted: {', '.join(sorted(scn.firms))})")


def check_contracts(scn: Scenario) -> None:
    """Contracts join two known firms by a known mode, energy by pipeline, every whole day."""
    for cid, con in scn.contracts.items():
        path: tuple[str | int, ...] = ("contracts", cid)
        for end in ("supplier", "receiver"):
            if getattr(con, end) not in scn.firms:
                raise _unknown_firm(scn, (*path, end), getattr(con, end))
        if con.supplier == con.receiver:
            raise FieldProblem((*path, "receiver"), "supplier and receiver are the same firm")
        if con.material not in scn.materials:
            raise _unknown_material(scn, (*path, "material"), con.material)
        if con.mode is not None and con.mode not in scn.network.modes:
            modes = ", ".join(sorted(scn.network.modes))
            raise FieldProblem((*path, "mode"), f"unknown mode {con.mode!r} (accepted: {modes})")
        piped = {(p.source, p.target, m) for p in scn.network.pipelines for m in p.materials}
        energy = scn.materials[con.material].dimension == "energy"
        if energy and (con.supplier, con.receiver, con.material) not in piped:
            raise FieldProblem(
                (*path, "material"),
                f"{con.material!r} is energy and needs a pipeline from {con.supplier!r} to "
                f"{con.receiver!r} carrying it (accepted: add one under network.pipelines)",
            )
        if con.every < 1 or not float(con.every).is_integer():
            raise FieldProblem((*path, "every"), f"{con.every:g} is not a whole number of days")


def check_boundary(scn: Scenario) -> None:
    """Disposal routes and the markets' materials exist."""
    b = scn.boundary
    routes = ", ".join(sorted(b.disposal))
    if b.default_disposal not in b.disposal:
        raise FieldProblem(
            ("boundary", "default_disposal"),
            f"unknown disposal route {b.default_disposal!r} (accepted: {routes})",
        )
    energy = sorted(mid for mid, mat in scn.materials.items() if mat.dimension == "energy")
    if energy and b.energy_disposal not in b.disposal:  # only energy materials take it
        raise FieldProblem(
            ("boundary", "energy_disposal"),
            f"unknown disposal route {b.energy_disposal!r}, needed for the energy material "
            f"{energy[0]!r} (accepted: {routes})",
        )
    for market in ("imports", "exports"):
        for mid in getattr(b, market):
            if mid not in scn.materials:
                raise _unknown_material(scn, ("boundary", market, mid), mid)
    for mid, mat in scn.materials.items():
        if mat.disposal is not None and mat.disposal not in b.disposal:
            raise FieldProblem(
                ("materials", mid, "disposal"),
                f"unknown disposal route {mat.disposal!r} (accepted: {routes})",
            )


def check_markups(scn: Scenario) -> None:
    """Every firm type given a markup is the type of a firm of the scenario."""
    used = sorted({f.type for f in scn.firms.values()})
    for name in scn.markups:
        if name not in used:
            raise FieldProblem(
                ("markups", name),
                f"no firm of type {name!r} (accepted: a type in use: {', '.join(used)})",
            )


def _unknown(kind: str, value: str, known: Any) -> str:
    return f"unknown {kind} {value!r} (accepted: {', '.join(sorted(known))})"


def check_substitution(scn: Any) -> None:
    """Members and balance materials exist; a material is in one group; masses reconcile."""
    seen: dict[str, str] = {}
    for gid, group in scn.substitution.items():
        path = ("substitution", gid)
        for mid in group.members:
            if mid not in scn.materials:
                raise FieldProblem(
                    (*path, "members", mid), _unknown("material", mid, scn.materials)
                )
            if mid in seen:
                raise FieldProblem((*path, "members", mid), f"already in group {seen[mid]!r}")
            seen[mid] = gid
        per_unit = {scn.materials[m].mass_t_per_unit / ratio for m, ratio in group.members.items()}
        if group.balance is not None:
            mat = scn.materials.get(group.balance)
            if mat is None:
                raise FieldProblem(
                    (*path, "balance"), _unknown("material", group.balance, scn.materials)
                )
            if mat.unit != "t":
                raise FieldProblem((*path, "balance"), "the balance material must be in t")
        elif max(per_unit) - min(per_unit) > 1e-12 * max(max(per_unit), 1e-12):
            raise FieldProblem(
                (*path, "balance"),
                "members differ in mass per group unit; name a balance material (in t) that "
                "takes up the difference (e.g. water_vapour)",
            )


def _policy_path_ok(path: str, scn: Any) -> bool:
    parts = path.split(".")
    for pattern in POLICY_PATHS:
        pat = pattern.split(".")
        if len(pat) != len(parts):
            continue
        if all(p == "*" or p == q for p, q in zip(pat, parts, strict=True)):
            if "*" not in pat:
                return True
            ident = parts[pat.index("*")]
            table = {
                "disposal": scn.boundary.disposal,
                "imports": scn.boundary.imports,
                "exports": scn.boundary.exports,
            }[parts[1]]
            return ident in table
    return False


def check_disruptions(scn: Any) -> None:
    """Disruptions name known firms, and policy events name paths they may change."""
    for did, dis in scn.disruptions.items():
        path = ("disruptions", did)
        for end in ("firm", "source", "target"):
            fid = getattr(dis, end, None)
            if fid is not None and fid not in scn.firms:
                raise FieldProblem((*path, end), _unknown("firm", fid, scn.firms))
        if isinstance(dis, PolicySpec):
            for key in dis.set:
                if not _policy_path_ok(key, scn):
                    raise FieldProblem(
                        (*path, "set", key),
                        f"cannot be changed by a policy event (accepted: {', '.join(POLICY_PATHS)}"
                        f" with * an id defined in the boundary)",
                    )


def check_agent(scn: Any) -> None:
    """The agent starts within the horizon.

    Raises:
        FieldProblem: Naming ``agent.start_day`` and the days accepted.
    """
    if scn.agent.start_day >= scn.horizon_day:
        raise FieldProblem(
            ("agent", "start_day"),
            f"{scn.agent.start_day} is not within the horizon of {scn.horizon_day} d "
            f"(accepted: 0 to {scn.horizon_day - 1})",
        )


def check_evaluation(scn: Any) -> None:
    """Every period is named other than ``all`` and lies within the horizon, start < end.

    Raises:
        FieldProblem: Naming the period and what is accepted.
    """
    horizon, warm_up = scn.horizon_day, scn.evaluation.warm_up
    if warm_up >= horizon or not float(warm_up).is_integer():
        raise FieldProblem(
            ("evaluation", "warm_up"),
            f"{warm_up:g} d (accepted: whole days, 0 to {horizon - 1} d)",
        )
    for name, period in scn.evaluation.periods.items():
        path = ("evaluation", "periods", name)
        if name == "all":
            raise FieldProblem(path, "'all' is the whole horizon (accepted: another name)")
        if period.end > horizon:
            raise FieldProblem(
                (*path, "end"),
                f"{period.end:g} d is beyond the horizon of {horizon} d "
                f"(accepted: 0 d to {horizon} d)",
            )
        if period.start < warm_up:
            raise FieldProblem(
                (*path, "start"),
                f"{period.start:g} d is within the warm-up of {warm_up:g} d "
                f"(accepted: {warm_up:g} d to {horizon} d)",
            )
        if period.end <= period.start:
            raise FieldProblem(
                (*path, "end"),
                f"{period.end:g} d is not after start {period.start:g} d "
                f"(accepted: start < end <= {horizon} d)",
            )


def check_ghg(scn: Any) -> None:
    """Check every material's GHG declaration and set ``co2e`` from the GWP set.

    Raises:
        FieldProblem: At ``materials.<id>.ghg``, ``.ghg_category`` or ``.co2e``.
    """
    for mid, mat in list(scn.materials.items()):
        path = ("materials", mid)
        if (mat.ghg is None) != (mat.ghg_category is None):
            missing = "ghg_category" if mat.ghg_category is None else "ghg"
            raise FieldProblem(
                (*path, missing),
                f"missing: ghg and ghg_category are declared together (accepted: {missing} "
                "beside the other, or neither)",
            )
        if mat.ghg is None:
            continue
        if mat.mass_t_per_unit <= 0:
            raise FieldProblem(
                (*path, "ghg"), f"{mid!r} has no mass (accepted: ghg on a material in t or m3)"
            )
        gwp = gwp_of(scn.gwp, mat.ghg)
        if gwp is None:
            continue
        co2e = gwp * mat.mass_t_per_unit
        if mat.co2e != 0.0 and abs(mat.co2e - co2e) > CO2E_RTOL * max(abs(co2e), 1.0):
            raise FieldProblem(
                (*path, "co2e"),
                f"{mat.co2e:g} t CO2e per unit differs from {co2e:g} ({mat.ghg} in {scn.gwp}) "
                "(accepted: leave co2e out, or ghg: co2e for a mixture given in CO2e)",
            )
        scn.materials[mid] = mat.model_copy(update={"co2e": co2e})
