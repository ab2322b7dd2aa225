"""The pages of docs/ are executable documentation: their code runs, their tables are current.

In every page of ``PAGES``, in a scratch folder holding a copy of ``scenarios/`` and of the
example plug-in's scenarios, in page order:

- a ```python block is executed (one namespace per page);
- a ```console block runs each ``$ command`` line with the project's ``mfcsim`` and
  ``python`` first on the PATH; it must exit 0, and every other line of the block (what the
  command prints; ``...`` stands for lines left out) must appear in what it printed;
- a ```yaml block preceded by ``<!-- file: NAME -->`` is written to NAME first;
- a block preceded by ``<!-- not run: why -->`` is skipped (keep them rare).

A page may hold no other fenced block that looks runnable (```sh, ```bash), so that no command
is left untested. Firm types, indicators and clearing policies a page registers are removed
after it.
"""

from __future__ import annotations

import json
import linecache
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from mfcsim.agent.clearing import ALLOCATORS
from mfcsim.firms.registry import FIRM_TYPES
from mfcsim.indicators.registry import INDICATORS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BIN = Path(sys.executable).parent
PAGES = [
    "tutorial.md",
    "organic-cluster.md",
    "howto-scenario.md",
    "howto-firm-type.md",
    "howto-clearing-policy.md",
    "howto-indicator.md",
    "run-folder.md",
    "cli.md",
    "background.md",
    "machine-pool.md",
    "cooperative.md",
    "fleets.md",
    "plausibility.md",
]
FENCE = re.compile(r"(?:<!-- (?P<mark>[^>]*?) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)```", re.S)


@dataclass(frozen=True)
class Block:
    """A fenced block of a page: its language, its marker comment (if any) and its text."""

    lang: str
    mark: str
    body: str
    line: int


def blocks(text: str) -> list[Block]:
    """The fenced blocks of a Markdown text, with the marker comment just above each."""
    return [
        Block(m["lang"], m["mark"] or "", m["body"], text.count("\n", 0, m.start()) + 1)
        for m in FENCE.finditer(text)
    ]


def scratch(tmp_path: Path) -> Path:
    """A folder laid out as the repository where the pages' paths point."""
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    shutil.copytree(
        ROOT / "examples" / "insect_farm" / "scenarios",
        tmp_path / "examples" / "insect_farm" / "scenarios",
    )
    return tmp_path


def run_console(block: Block, where: str, cwd: Path) -> None:
    """Run each ``$`` line; the block's other lines must appear in the output."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "100"}
    printed = ""
    expected: list[str] = []
    for line in block.body.splitlines():
        if line.startswith("$ "):
            done = subprocess.run(
                line[2:], shell=True, cwd=cwd, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, (
                f"{where}: `{line[2:]}` exited {done.returncode}: " + (done.stderr[-2000:])
            )
            printed += done.stdout + done.stderr
        elif line.strip() and line.strip() != "...":
            expected.append(line.strip())
    squeezed = " ".join(printed.split())
    for line in expected:
        assert " ".join(line.split()) in squeezed, f"{where}: not printed: {line!r}"


def run_page(name: str, cwd: Path) -> dict[str, object]:
    """Run every block of docs/NAME in ``cwd``; the Python namespace is returned."""
    namespace: dict[str, object] = {"__name__": f"docs_{Path(name).stem}"}
    for block in blocks((DOCS / name).read_text()):
        where = f"docs/{name}:{block.line}"
        if block.mark.startswith("not run"):
            continue
        assert block.lang not in ("sh", "bash", "shell"), f"{where}: use ```console ($ lines)"
        if block.mark.startswith("file: "):
            (cwd / block.mark.removeprefix("file: ").strip()).write_text(block.body)
        elif block.lang == "python":
            body = block.body.splitlines(keepends=True)  # for tracebacks that show the line
            linecache.cache[where] = (len(block.body), None, body, where)
            exec(compile(block.body, where, "exec"), namespace)
        elif block.lang == "console":
            run_console(block, where, cwd)
    return namespace


@pytest.fixture
def clean_registries():
    """Forget the firm types, indicators and policies a page registers."""
    before = (set(FIRM_TYPES), set(INDICATORS), set(ALLOCATORS))
    yield
    for registry, known in zip((FIRM_TYPES, INDICATORS, ALLOCATORS), before, strict=True):
        for name in set(registry) - known:
            del registry[name]


@pytest.mark.parametrize("name", PAGES)
def test_every_block_of_the_page_runs(name, tmp_path, monkeypatch, clean_registries) -> None:
    cwd = scratch(tmp_path)
    monkeypatch.chdir(cwd)
    run_page(name, cwd)


def test_every_page_runs_something_and_is_linked_from_the_index_and_readme() -> None:
    index = (DOCS / "index.md").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "docs/index.md" in readme
    for name in [*PAGES, "scenario-reference.md", "firm-hooks.md", "sweep.md"]:
        assert f"({name})" in index, name
    for name in PAGES:
        kinds = {b.lang for b in blocks((DOCS / name).read_text()) if not b.mark}
        assert kinds & {"python", "console"}, name


def test_a_failing_command_or_a_missing_output_line_is_caught(tmp_path) -> None:
    """The runner itself: a command that fails, or prints something else, is an error."""
    with pytest.raises(AssertionError, match="exited 2"):
        run_console(Block("console", "", "$ echo ok && exit 2\nok\n", 1), "x", tmp_path)
    with pytest.raises(AssertionError, match="not printed: 'no such line'"):
        run_console(Block("console", "", "$ echo some line\nno such line\n", 1), "x", tmp_path)
    run_console(Block("console", "", "$ echo some   line\n...\nsome line\n", 1), "x", tmp_path)


def test_the_readme_scenario_example_runs(tmp_path) -> None:
    """README's "Writing a scenario" block, saved in the repository's root, loads and runs."""
    cwd = scratch(tmp_path)
    section = (ROOT / "README.md").read_text().split("## Writing a scenario", 1)[1]
    example = next(b for b in blocks(section) if b.lang == "yaml")
    (cwd / "my_cluster.yaml").write_text(example.body)
    commands = "$ mfcsim validate my_cluster.yaml\nok\n"
    commands += "$ mfcsim run my_cluster.yaml --days 10 --out runs/mine --quiet --no-report\n"
    run_console(Block("console", "", commands, 1), "README.md", cwd)
    assert (cwd / "runs" / "mine" / "flows.parquet").exists()


def test_the_scenario_reference_is_current() -> None:
    """docs/scenario-reference.md is what tools/scenario_reference.py writes (`make docs`)."""
    done = subprocess.run(
        [sys.executable, ROOT / "tools" / "scenario_reference.py", "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_run_folder_page_lists_every_table_and_column_of_a_tiny_run(tmp_path) -> None:
    """Each ``file.parquet`` heading of docs/run-folder.md lists that table's columns."""
    out = tmp_path / "run"
    subprocess.run(
        [BIN / "mfcsim", "run", ROOT / "scenarios" / "tiny.yaml", "--days", "5", "--out", out],
        check=True,
        capture_output=True,
    )
    page = (DOCS / "run-folder.md").read_text()
    documented = dict(re.findall(r"^### `(\w+\.parquet)`\n\n(.*?)(?=\n### |\Z)", page, re.M | re.S))
    tables = sorted(p.name for p in out.glob("*.parquet"))
    assert sorted(documented) == tables
    for table in tables:
        columns = pd.read_parquet(out / table).columns
        named = re.findall(r"^\| `(\w+)` \|", documented[table], re.M)
        assert named == list(columns), table
    files = sorted(p.name for p in out.iterdir() if p.suffix != ".parquet")
    for name in files:
        assert f"`{name}`" in page, name
    assert json.loads((out / "manifest.json").read_text())


def test_the_cli_page_names_every_command() -> None:
    """docs/cli.md has a section for each command of `mfcsim --help`."""
    done = subprocess.run([BIN / "mfcsim", "--help"], capture_output=True, text=True, check=True)
    commands = re.findall(r"^│ (\w+) ", done.stdout, re.M)
    assert len(commands) >= 8
    page = (DOCS / "cli.md").read_text()
    for command in commands:
        assert f"## `mfcsim {command}`" in page, command
