"""Tiny shared fixtures: the two-firm `mini` scenario as YAML text, and helpers around it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: A mill grinding imported grain into flour and bran, and a bakery it delivers flour to.
MINI_YAML = """\
name: mini
horizon: 5 d
seed: 1
materials:
  grain: {unit: t, kind: raw_material, price: 200 EUR/t}
  flour: {unit: t, kind: product, price: 400 EUR/t}
  bran: {unit: t, kind: residue}
firms:
  mill:
    type: generic
    location: {x_km: 0, y_km: 0}
    processes:
      grind:
        capacity: 10 / d
        inputs: {grain: 1 t}
        outputs: {flour: 0.8 t, bran: 200 kg}
  bakery:
    type: generic
    location: {x_km: 3, y_km: 4}
contracts:
  flour: {supplier: mill, receiver: bakery, material: flour, quantity: 4}
boundary:
  imports:
    grain: {}
"""


@pytest.fixture
def mini_text() -> str:
    """The YAML text of the two-firm `mini` scenario."""
    return MINI_YAML


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[..., Path]:
    """Write YAML text to a file in the test's tmp folder and return its path."""

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def _line_of(text: str, needle: str) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on lines {hits}, expected exactly one"
    return hits[0]


@pytest.fixture
def line_of() -> Callable[[str, str], int]:
    """The 1-based number of the one line of a text that contains a needle."""
    return _line_of


@pytest.fixture(scope="session")
def tiny_path() -> Path:
    """The tiny example scenario shipped in scenarios/."""
    return REPO / "scenarios" / "tiny.yaml"


@pytest.fixture
def run_doc_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], dict[str, object]]:
    """Run the one ```python block of docs/NAME in a tmp folder holding scenarios/."""

    def run(name: str) -> dict[str, object]:
        import re
        import shutil

        shutil.copytree(REPO / "scenarios", tmp_path / "scenarios")
        monkeypatch.chdir(tmp_path)
        text = (REPO / "docs" / name).read_text()
        (block,) = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
        namespace: dict[str, object] = {}
        exec(compile(block, f"docs/{name}", "exec"), namespace)
        return namespace

    return run
