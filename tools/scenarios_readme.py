"""Write scenarios/README.md: the shipped scenarios, their questions and one run's figures.

Every scenario file under ``scenarios/`` opens with a header that says what it represents
(``# What it represents: ...``) and the questions it answers (``# Questions it answers:
...``). This script reads those paragraphs, runs each scenario once over its own horizon
and seed (the mass balance checked), and writes a table of the scenarios and a section per
scenario with its headline figures, its plausibility table (the run's main annual totals
against the published reference ranges of ``data/published/plausibility.csv``,
:mod:`mfcsim.plausibility`) and a figure of that table (``scenarios/figures/*.svg``), so
that the page is generated, never typed by hand::

    .venv/bin/python tools/scenarios_readme.py        # or: make scenarios

``tests/test_scenario_library.py`` checks that the page lists every shipped scenario with its
header as the file has it now (so a changed header needs the page written again).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mfcsim.plausibility import (  # noqa: E402
    Reference,
    format_number,
    load_references,
    scenario_table,
    svg_chart,
)
from mfcsim.testing import run_scenario  # noqa: E402

SCENARIOS = ROOT / "scenarios"
OUT = SCENARIOS / "README.md"
FIGURES = SCENARIOS / "figures"
REFERENCES = ROOT / "data" / "published" / "plausibility.csv"
SECTIONS = ("What it represents", "Questions it answers")
#: The headline figures of one run: KPI name, label, format.
HEADLINE = (
    ("material_imports_t", "material imports (t)", "{:,.0f}"),
    ("residue_valorisation_share", "residue valorisation share", "{:.3f}"),
    ("virgin_material_input_t", "virgin material input (t)", "{:,.0f}"),
    ("transport_tkm", "transport (t·km)", "{:,.0f}"),
    ("ghg_total_t_co2e", "greenhouse gases (t CO2e)", "{:,.0f}"),
    ("value_added_eur", "value added (EUR)", "{:,.0f}"),
    ("use_fill", "use fill", "{:.3f}"),
)


def shipped() -> list[Path]:
    """Every scenario file under scenarios/, in path order."""
    return sorted(SCENARIOS.rglob("*.yaml"))


def header(path: Path) -> dict[str, str]:
    """The header's paragraphs by section name (a paragraph ends at an empty comment line)."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].strip())
    found: dict[str, str] = {}
    current: str | None = None
    for line in lines:
        start = next((s for s in SECTIONS if line.startswith(f"{s}:")), None)
        if start is not None:
            current, line = start, line[len(start) + 1 :].strip()
            found[current] = line
        elif current is not None and line:
            found[current] += " " + line
        else:
            current = None
    return found


def figure(kpis: dict[str, float], name: str, fmt: str) -> str:
    """One headline figure as text ('–' where the run has none)."""
    value = kpis.get(name)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return fmt.format(value)


def figure_path(path: Path) -> Path:
    """The plausibility figure of a scenario file (``examples/a.yaml`` -> ``examples_a.svg``)."""
    return FIGURES / (
        path.relative_to(SCENARIOS).with_suffix("").as_posix().replace("/", "_") + ".svg"
    )


def plausibility(path: Path, table: pd.DataFrame) -> str:
    """The plausibility part of a section: the table, and a link to its figure."""
    if table.empty:
        return (
            "**Plausibility.** None of the reference quantities of "
            "`data/published/plausibility.csv` applies to this run.\n"
        )
    rows = []
    for row in table.to_dict("records"):
        verdict = (
            "inside" if row["inside"] else ("outside, argued" if row["argument"] else "**outside**")
        )
        why = f" Argument: {row['argument']}" if row["argument"] else ""
        note = f"; {row['note']}" if row["note"] else ""
        rows.append(
            f"| `{row['key']}` | {format_number(row['value'])} | "
            f"{format_number(row['low'])}-{format_number(row['high'])} "
            f"{row['unit']} | {verdict} | {row['source']}{note}.{why} |"
        )
    outside = int((~table["inside"].astype(bool)).sum())
    figure_file = figure_path(path).relative_to(SCENARIOS).as_posix()
    return (
        f"**Plausibility.** {len(table)} quantities against their published ranges, "
        f"{outside} outside (each argued in the file, `plausibility:`, or a test fails).\n\n"
        f"![plausibility of {path.name}]({figure_file})\n\n"
        "| quantity | this run | reference range | verdict | source |\n|---|---:|---|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )


def section(path: Path, about: dict[str, str], references: list[Reference]) -> str:
    """A scenario's section: what it represents, its questions, one run's figures.

    And its plausibility (the figure written to ``scenarios/figures/``).
    """
    results = run_scenario(path)
    scn, kpis = results.scenario, results.kpis
    rows = "\n".join(f"| {label} | {figure(kpis, k, f)} |" for k, label, f in HEADLINE)
    table = scenario_table(results, references)
    if not table.empty:
        FIGURES.mkdir(exist_ok=True)
        chart = svg_chart(table, f"{path.relative_to(SCENARIOS).as_posix()}: plausibility")
        figure_path(path).write_text(chart, encoding="utf-8")
    return (
        f"### `{path.relative_to(ROOT).as_posix()}`\n\n"
        f"**What it represents.** {about.get(SECTIONS[0], '(no header)')}\n\n"
        f"**Questions it answers.** {about.get(SECTIONS[1], '(no header)')}\n\n"
        f"One run: {scn.horizon_day} days, seed {scn.seed}, {len(scn.firms)} firms, agent "
        f"`{scn.agent.policy}`; mass balance within "
        f"{kpis.get('mass_balance_max_rel_error', math.nan):.1e}.\n\n"
        f"| figure | value |\n|---|---:|\n{rows}\n\n{plausibility(path, table)}"
    )


def commit() -> str:
    """The short commit of the checkout (with -dirty for uncommitted changes)."""
    out = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                         capture_output=True, text=True, check=False)  # fmt: skip
    return out.stdout.strip() or "unknown"


def page() -> str:
    """The whole of scenarios/README.md."""
    paths = shipped()
    abouts = {p: header(p) for p in paths}
    table = "\n".join(
        f"| [`{p.relative_to(SCENARIOS).as_posix()}`](#{_anchor(p)}) | "
        f"{abouts[p].get(SECTIONS[1], '')} |"
        for p in paths
    )
    references = load_references(REFERENCES)
    body = "\n".join(section(p, abouts[p], references) for p in paths)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    return (
        "# Shipped scenarios\n\n"
        "Generated by `tools/scenarios_readme.py` (`make scenarios`) from each file's header "
        f"and one run of it, at {commit()} on {today}: do not edit by hand. Every coefficient "
        "cites a row of `data/published/` or is marked as an assumption in its file; a run's "
        "`provenance.parquet` lists which. Each section holds the run's plausibility: its main "
        "annual totals against published reference ranges (`data/published/plausibility.csv`, "
        "with sources; docs/plausibility.md), and a figure of it (`figures/`; green inside, "
        "orange outside but argued in the file, red outside and unargued).\n\n"
        "| scenario | questions it answers |\n|---|---|\n"
        f"{table}\n\n## The scenarios\n\n{body}"
    )


def _anchor(path: Path) -> str:
    """GitHub's anchor of the section heading of ``path``."""
    text = path.relative_to(ROOT).as_posix().lower()
    return re.sub(r"[^a-z0-9_ -]", "", text).replace(" ", "-")


def main() -> None:
    """Write the page and print its path."""
    OUT.write_text(page(), encoding="utf-8")
    sys.stdout.write(f"{OUT}\n")


if __name__ == "__main__":
    main()
