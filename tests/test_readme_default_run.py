"""README.md's block of the default year is generated from a run (tools/readme_default_run.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

import readme_default_run as tool  # noqa: E402


def test_the_default_run_block_is_current() -> None:
    """Changing the default year without `make readme` fails here."""
    text = tool.README.read_text(encoding="utf-8")
    assert tool.rewritten(text, tool.block()) == text, (
        "README.md's default-run block is stale: run make readme"
    )


def test_the_block_needs_its_markers() -> None:
    with pytest.raises(ValueError, match="lacks"):
        tool.rewritten("no markers here", "x")
    assert tool.rewritten(f"a{tool.BEGIN}old{tool.END}b", "new") == "anewb"
