"""The public API is ``mfcsim.__all__``, and docs/api.md documents exactly those names."""

from __future__ import annotations

import re
from pathlib import Path

import mfcsim

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def documented_names() -> set[str]:
    """The first backticked name of each row of the table in docs/api.md."""
    rows = [line for line in DOC.read_text().splitlines() if line.startswith("| `")]
    return {re.match(r"\| `([A-Za-z_]+)", row).group(1) for row in rows}  # type: ignore[union-attr]


def test_all_is_what_the_api_reference_documents() -> None:
    assert documented_names() == set(mfcsim.__all__)


def test_every_name_in_all_exists() -> None:
    for name in mfcsim.__all__:
        assert hasattr(mfcsim, name), name


def test_the_example_of_the_api_reference_runs(tmp_path, monkeypatch) -> None:
    code = DOC.read_text().split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    exec(compile(code, str(DOC), "exec"), {})
