"""Plausibility: a run's main annual totals against published reference ranges.

A coefficient can be cited and still wrong for the place. This module measures, from one
run, the quantities a reviewer would hold against Dutch or published figures (crop yields
per hectare, milk per cow, the pigs' N excretion, manure N and P per tonne, biogas per tonne
of each substrate, the digester's own heat, food eaten and wasted per person, retail
spoilage, jobs per hectare) and marks each inside or outside its reference range.

The ranges live in a table (``data/published/plausibility.csv``: ``quantity, subject,
unit, low, high, source, note``), read by :func:`load_references`; :data:`MEASURES` says how
each ``quantity`` is measured. A row whose subject the run does not have (no city, no pig
farm) is left out; a per-year quantity is left out of runs shorter than a year (seasons).
A scenario keeps a value that lies outside by arguing it under ``plausibility:`` (the
row's key ``quantity.subject`` mapped to the argument), which :func:`check` copies into
the table.

May import: errors, scenario, firms, results (through its frames).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mfcsim.errors import ResultsError
from mfcsim.firms.registry import resolve_firm_type

if TYPE_CHECKING:
    from mfcsim.results import Results

#: Columns of the reference table, in order.
COLUMNS = ("quantity", "subject", "unit", "low", "high", "source", "note")
#: Columns of a run's plausibility table (:func:`check`).
TABLE_COLUMNS = (
    *("key", "quantity", "subject", "unit", "value", "low", "high", "inside", "source"),
    *("note", "argument"),
)
DAYS_PER_YEAR = 365.0
#: Relative slack of the range's ends (a weighted mean of 28.0 may come out 28.000000000000004).
RTOL = 1e-9


@dataclass(frozen=True, slots=True)
class Reference:
    """One row of the reference table: a quantity's published range for one subject."""

    quantity: str
    subject: str
    unit: str
    low: float
    high: float
    source: str
    note: str

    @property
    def key(self) -> str:
        """``quantity.subject``: the name a scenario's ``plausibility:`` argument uses."""
        return f"{self.quantity}.{self.subject}"


@dataclass(frozen=True, slots=True)
class Firm:
    """What a measure reads of one firm: type, resolved params, jobs, land, active days."""

    fid: str
    type: str
    params: Mapping[str, Any]
    fte: float
    land_ha: float
    active_days: float
    processes: Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class Run:
    """The frames of one run that the measures read.

    Attributes:
        flows: The ledger (``t_day, source, target, material, quantity, kind``).
        substances: Substance flows (as ``flows``, with ``substance``), e.g. N and P.
        activity: Realised activity per firm and process (``firm, process, realised``).
        units: Unit of each material id (``t``, ``m3``, ``MWh``).
        firms: The firms by id.
        horizon_day: Days simulated.
    """

    flows: pd.DataFrame
    substances: pd.DataFrame
    activity: pd.DataFrame
    units: Mapping[str, str]
    firms: Mapping[str, Firm]
    horizon_day: float

    @classmethod
    def from_results(cls, results: Results) -> Run:
        """The frames a measure reads, from a run's results (firm params resolved)."""
        scenario = results.scenario
        if scenario is None:
            raise ResultsError("plausibility needs the run's scenario (scenario.resolved.yaml)")
        horizon = float(scenario.horizon_day)
        firms = {}
        for fid, spec in scenario.firms.items():
            params = resolve_firm_type(spec.type).resolve_params(dict(spec.params or {}))
            firms[fid] = Firm(
                fid=fid,
                type=spec.type,
                params=params,
                fte=float(spec.fte or 0.0),
                land_ha=float(spec.land_ha or 0.0),
                active_days=max(horizon - float(spec.join_day or 0), 0.0),
                processes={p: proc.model_dump() for p, proc in (spec.processes or {}).items()},
            )
        activity = results.extra.get("activity")
        materials = results.materials
        return cls(
            flows=results.flows,
            substances=results.substance_flows,
            activity=activity if activity is not None else pd.DataFrame(),
            units=dict(zip(materials["id"], materials["unit"], strict=True)),
            firms=firms,
            horizon_day=horizon,
        )

    def of_type(self, firm_type: str) -> list[Firm]:
        """The firms of one type, in id order."""
        return [f for _, f in sorted(self.firms.items()) if f.type == firm_type]


# ---------------------------------------------------------------------------- frame sums
def _made(frame: pd.DataFrame, fids: list[str], material: str) -> float:
    """What the firms made of ``material`` (production rows), in the frame's units."""
    rows = frame[
        (frame["kind"] == "production")
        & frame["source"].isin(fids).to_numpy()
        & (frame["material"] == material).to_numpy()
    ]
    return float(rows["quantity"].sum())


def _at(frame: pd.DataFrame, fids: list[str], kind: str) -> pd.DataFrame:
    """Rows of one kind recorded at the firms (source is the firm)."""
    return frame[(frame["kind"] == kind).to_numpy() & frame["source"].isin(fids).to_numpy()]


def _substance(frame: pd.DataFrame, substance: str) -> pd.DataFrame:
    return frame[(frame["substance"] == substance).to_numpy()]


def _whole(run: Run, firms: list[Firm]) -> list[Firm]:
    """The firms that take part in the whole run.

    A firm that joins later has a part year: its harvest or its season would be set against
    the wrong days.
    """
    return [f for f in firms if f.active_days >= run.horizon_day]


def _years(run: Run, firms: list[Firm], size: Callable[[Firm], float]) -> float:
    """Sum over firms of size x the run's years (e.g. ha-years, cow-years)."""
    return sum(size(f) for f in firms) * run.horizon_day / DAYS_PER_YEAR


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


# ---------------------------------------------------------------------------- measures
def crop_yield_t_per_ha(run: Run, crop: str) -> float | None:
    """T of ``crop`` per ha-year of the arable farms and glasshouses that grow it."""
    growers = _whole(run, [
        f for t in ("arable_farm", "greenhouse") for f in run.of_type(t)
        if f.params.get("crop") == crop
    ])  # fmt: skip
    made = _made(run.flows, [f.fid for f in growers], crop)
    return _ratio(made, _years(run, growers, lambda f: float(f.params["area_ha"])))


def milk_t_per_cow_year(run: Run, milk: str) -> float | None:
    """T of milk per cow-year of the dairy farms."""
    farms = _whole(run, [f for f in run.of_type("dairy_farm") if f.params["milk"] == milk])
    made = _made(run.flows, [f.fid for f in farms], milk)
    return _ratio(made, _years(run, farms, lambda f: float(f.params["cows"])))


def n_excreted_kg_per_place_year(run: Run, firm_type: str) -> float | None:
    """Kg N excreted per animal place and year: N fed minus N in the animals sold.

    Feed N is the N of everything the farms consume; the animals' N what they make of their
    ``meat`` material. ``firm_type`` is ``pig_farm`` (places: ``pigs``).
    """
    farms = _whole(run, run.of_type(firm_type))
    fids = [f.fid for f in farms]
    n = _substance(run.substances, "N")
    fed_rows = _at(n, fids, "consumption")
    if fed_rows.empty:  # the scenario's feed carries no N: nothing to measure
        return None
    fed = float(fed_rows["quantity"].sum())
    sold = sum(_made(n, [f.fid], str(f.params["meat"])) for f in farms)
    return _ratio((fed - sold) * 1000.0, _years(run, farms, lambda f: float(f.params["pigs"])))


def _content_kg_per_t(run: Run, material: str, substance: str) -> float | None:
    """Kg of a substance per t of what the firms made of ``material``.

    None when the material carries none of it in the run (the scenario does not track it).
    """
    rows = _substance(run.substances, substance)
    rows = rows[(rows["material"] == material).to_numpy()]
    if rows.empty:
        return None
    mass_t = _made(run.flows, list(run.firms), material)
    held_t = _made(rows, list(run.firms), material)
    return _ratio(held_t * 1000.0, mass_t)


def n_kg_per_t(run: Run, material: str) -> float | None:
    """Kg N per t of ``material`` as made in the run (transfer coefficients included)."""
    return _content_kg_per_t(run, material, "N")


def p_kg_per_t(run: Run, material: str) -> float | None:
    """Kg P per t of ``material`` as made in the run."""
    return _content_kg_per_t(run, material, "P")


def _digested(run: Run, substrate: str | None) -> list[tuple[Firm, str, float]]:
    """(digester, process, t digested) of each ``digest_<substrate>`` process that ran."""
    if run.activity.empty:
        return []
    out = []
    for f in run.of_type("anaerobic_digester"):
        rows = run.activity[(run.activity["firm"] == f.fid).to_numpy()]
        for process, tonnes in rows.groupby("process", observed=True)["realised"].sum().items():
            name = str(process)
            wanted = f"digest_{substrate}" if substrate else None
            if name.startswith("digest_") and (wanted is None or name == wanted) and tonnes > 0:
                out.append((f, name, float(tonnes)))
    return out


def biogas_m3_per_t(run: Run, substrate: str) -> float | None:
    """m3 biogas per t of ``substrate`` fresh matter, over what the digesters digested."""
    done = _digested(run, substrate)
    gas = sum(t * float(f.processes[p]["outputs"][f.params["biogas"]]) for f, p, t in done)
    return _ratio(gas, sum(t for _, _, t in done))


def digester_heat_mwh_per_t(run: Run, firm_type: str) -> float | None:
    """MWh of heat the digesters take per t of substrate (warming it, the vessel's losses).

    Heat is every MWh-unit material the digesters consume; ``firm_type`` is
    ``anaerobic_digester``.
    """
    digesters = [f.fid for f in run.of_type(firm_type)]
    done = _digested(run, None)
    used = _at(run.flows, digesters, "consumption")
    heat = used[used["material"].map(lambda m: run.units.get(str(m)) == "MWh").to_numpy(bool)]
    return _ratio(float(heat["quantity"].sum()), sum(t for _, _, t in done))


def household_food_waste_kg_per_person_year(run: Run, firm_type: str) -> float | None:
    """Kg of food the cities' households waste per inhabitant and year."""
    cities = _whole(run, run.of_type(firm_type))
    made = sum(_made(run.flows, [c.fid], str(c.params["food_waste"])) for c in cities)
    return _ratio(made * 1000.0, _years(run, cities, lambda c: float(c.params["population"])))


def food_eaten_n_g_per_person_day(run: Run, firm_type: str) -> float | None:
    """G N eaten (food to final consumption) per inhabitant and day."""
    cities = _whole(run, run.of_type(firm_type))
    n = _substance(run.substances, "N")
    eaten = n[n["material"].isin([str(c.params["consumed"]) for c in cities]).to_numpy()]
    if eaten.empty:  # the diet carries no N in the scenario
        return None
    eaten_t = sum(_made(eaten, [c.fid], str(c.params["consumed"])) for c in cities)
    person_days = sum(float(c.params["population"]) for c in cities) * run.horizon_day
    return _ratio(eaten_t * 1e6, person_days)


def spoilage_share(run: Run, firm_type: str) -> float | None:
    """Share of what the retailers handle that spoils: spoiled / (spoiled + sent on)."""
    fids = [f.fid for f in run.of_type(firm_type)]
    spoiled = float(_at(run.flows, fids, "consumption")["quantity"].sum())
    wastes = {str(f.params["food_waste"]) for f in run.of_type(firm_type)}
    out = run.flows[
        run.flows["kind"].isin(["shipment", "export"]).to_numpy()
        & run.flows["source"].isin(fids).to_numpy()
        & ~run.flows["material"].isin(wastes).to_numpy()
    ]
    return _ratio(spoiled, spoiled + float(out["quantity"].sum()))


def fte_per_ha(run: Run, firm_type: str) -> float | None:
    """Jobs (FTE) per ha of the firms of one type that declare both (fte 0: not declared)."""
    firms = [f for f in run.of_type(firm_type) if f.land_ha > 0 and f.fte > 0]
    return _ratio(sum(f.fte for f in firms), sum(f.land_ha for f in firms))


#: How each quantity of the table is measured: (function of run and subject, per year?).
#: A per-year quantity is left out of runs shorter than a year.
MEASURES: dict[str, tuple[Callable[[Run, str], float | None], bool]] = {
    "crop_yield_t_per_ha": (crop_yield_t_per_ha, True),
    "milk_t_per_cow_year": (milk_t_per_cow_year, True),
    "n_excreted_kg_per_place_year": (n_excreted_kg_per_place_year, True),
    "n_kg_per_t": (n_kg_per_t, False),
    "p_kg_per_t": (p_kg_per_t, False),
    "biogas_m3_per_t": (biogas_m3_per_t, False),
    "digester_heat_mwh_per_t": (digester_heat_mwh_per_t, False),
    "household_food_waste_kg_per_person_year": (household_food_waste_kg_per_person_year, True),
    "food_eaten_n_g_per_person_day": (food_eaten_n_g_per_person_day, False),
    "spoilage_share": (spoilage_share, False),
    "fte_per_ha": (fte_per_ha, False),
}


# ---------------------------------------------------------------------------- the table
def load_references(path: Path) -> list[Reference]:
    """Read the reference table.

    Raises:
        ResultsError: Naming the file and line, on a missing column, an unknown quantity, a
            range that is not two numbers low <= high, or an empty source.
    """
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ResultsError(f"{path}:1: missing column(s) {', '.join(missing)}")
        return [_reference(path, line, row) for line, row in enumerate(reader, start=2)]


def _reference(path: Path, line: int, row: dict[str, str]) -> Reference:
    where = f"{path}:{line}"
    if row["quantity"] not in MEASURES:
        raise ResultsError(
            f"{where}: quantity {row['quantity']!r} is not measured "
            f"(accepted: {', '.join(sorted(MEASURES))})"
        )
    try:
        low, high = float(row["low"]), float(row["high"])
    except ValueError:
        raise ResultsError(f"{where}: low and high must be numbers") from None
    if not low <= high:
        raise ResultsError(f"{where}: low {low} is above high {high}")
    if not row["source"].strip():
        raise ResultsError(f"{where}: the range needs a source")
    return Reference(
        **{c: row[c].strip() for c in ("quantity", "subject", "unit", "source", "note")},
        low=low,
        high=high,
    )


def check(
    run: Run, references: list[Reference], arguments: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The run's plausibility table: one row per reference the run has a value for.

    Columns: ``key, quantity, subject, unit, value, low, high, inside, source, note,
    argument`` (the scenario's ``plausibility:`` argument for the key, '' if none).

    Raises:
        ResultsError: If an argument names a key the table does not have.
    """
    arguments = dict(arguments or {})
    unknown = sorted(set(arguments) - {r.key for r in references})
    if unknown:
        raise ResultsError(
            f"plausibility argument for {unknown[0]!r}, which no reference row has "
            "(a key is quantity.subject of data/published/plausibility.csv)"
        )
    rows = []
    for ref in references:
        measure, per_year = MEASURES[ref.quantity]
        if per_year and run.horizon_day < DAYS_PER_YEAR:
            continue
        value = measure(run, ref.subject)
        if value is None or math.isnan(value):
            continue
        rows.append(
            {
                "key": ref.key,
                "quantity": ref.quantity,
                "subject": ref.subject,
                "unit": ref.unit,
                "value": value,
                "low": ref.low,
                "high": ref.high,
                "inside": ref.low * (1 - RTOL) <= value <= ref.high * (1 + RTOL),
                "source": ref.source,
                "note": ref.note,
                "argument": arguments.get(ref.key, ""),
            }
        )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def unexplained(table: pd.DataFrame) -> pd.DataFrame:
    """The rows outside their range that the scenario does not argue."""
    return table[~table["inside"].astype(bool) & (table["argument"] == "")]


def scenario_table(results: Results, references: list[Reference]) -> pd.DataFrame:
    """:func:`check` of a run against the references, with its scenario's arguments."""
    scenario = results.scenario
    arguments = scenario.plausibility if scenario is not None else None
    return check(Run.from_results(results), references, arguments)


# ---------------------------------------------------------------------------- the figure
_ROW_PX, _LABEL_PX, _AXIS_PX, _PAD_PX = 22, 330, 300, 10
#: Where the reference range sits on each row's axis (its ends at a quarter and three
#: quarters of the axis); a value further out than half a range beyond an end is drawn at
#: the axis' end with an arrow.
_RANGE_AT = (0.25, 0.75)


def _position(value: float, low: float, high: float) -> tuple[float, bool]:
    """A value's place on its row's axis (0-1) and whether it was clipped."""
    lo_at, hi_at = _RANGE_AT
    if high > low:
        at = lo_at + (value - low) / (high - low) * (hi_at - lo_at)
    else:  # a single figure: the range is a point in the middle
        at = 0.5 if value == low else (0.0 if value < low else 1.0)
    clipped = not 0.0 <= at <= 1.0
    return min(max(at, 0.0), 1.0), clipped


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg_chart(table: pd.DataFrame, title: str) -> str:
    """A static SVG of the plausibility table: each quantity's value against its range.

    One row per quantity: the reference range as a grey bar (each row on its own scale, the
    range from a quarter to three quarters of the axis), the run's value as a dot, green
    inside, orange outside but argued in the scenario, red outside and unargued; a value
    far outside sits at the axis' end with its number. Deterministic text, no dependency.
    """
    height = _PAD_PX * 3 + _ROW_PX * (len(table) + 1)
    width = _LABEL_PX + _AXIS_PX + 140
    lo_x = _LABEL_PX + _RANGE_AT[0] * _AXIS_PX
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{_escape(title)}</title>",
        f'<text x="{_PAD_PX}" y="{_PAD_PX + 12}" font-weight="bold">{_escape(title)}</text>',
        f'<text x="{lo_x:.0f}" y="{_PAD_PX + 12}" fill="#555">reference range (grey), '
        "this run (dot)</text>",
    ]
    for i, row in enumerate(table.to_dict("records")):
        y = _PAD_PX * 2 + _ROW_PX * (i + 1) + 6
        at, clipped = _position(float(row["value"]), float(row["low"]), float(row["high"]))
        colour = "#2a9d4b" if row["inside"] else ("#e69500" if row["argument"] else "#d62828")
        x = _LABEL_PX + at * _AXIS_PX
        bar = _RANGE_AT[1] - _RANGE_AT[0]
        parts += [
            f'<text x="{_PAD_PX}" y="{y + 4}">{_escape(str(row["key"]))}</text>',
            f'<line x1="{_LABEL_PX}" y1="{y}" x2="{_LABEL_PX + _AXIS_PX}" y2="{y}" stroke="#ddd"/>',
            f'<rect x="{lo_x:.1f}" y="{y - 5}" width="{bar * _AXIS_PX:.1f}" height="10" '
            'fill="#bbb"/>',
            f'<circle cx="{x:.1f}" cy="{y}" r="5" fill="{colour}"/>',
            f'<text x="{_LABEL_PX + _AXIS_PX + 8}" y="{y + 4}" fill="{colour}">'
            f"{'&#8594; ' if clipped else ''}{format_number(float(row['value']))} "
            f"{_escape(str(row['unit']))}"
            "</text>",
        ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def format_number(value: float) -> str:
    """A value with about three significant figures, thousands separated."""
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    digits = max(0, 2 - math.floor(math.log10(abs(value))))
    return f"{value:,.{digits}f}"
