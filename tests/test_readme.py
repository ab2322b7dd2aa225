"""The README's Python examples run as written (executable documentation)."""

import re
import shutil
from pathlib import Path

from mfcsim.firms.registry import FIRM_TYPES

ROOT = Path(__file__).resolve().parents[1]


def python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_readme_python_examples_run(tmp_path, monkeypatch):
    """Every ```python block of the README executes without error, in a scratch folder."""
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks()
    assert len(blocks) >= 2
    known = set(FIRM_TYPES)
    try:
        for block in blocks:
            exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
    finally:
        for name in set(FIRM_TYPES) - known:
            del FIRM_TYPES[name]
    assert (tmp_path / "runs" / "tiny-60d" / "flows.parquet").exists()
