"""The folders the explorer offers: every run, comparison or broken folder under RUNS_DIR."""

from __future__ import annotations

from pathlib import Path

#: How deep below RUNS_DIR to look (runs/<scenario>/<time>-seed<N>/rep-NNN is 3).
DEPTH = 3
MARKERS = ("manifest.json", "comparison.parquet")


def _looks_like_output(folder: Path) -> bool:
    names = {p.name for p in folder.iterdir()}
    if any(m in names for m in MARKERS) or folder.name.endswith(".tmp"):
        return True
    has_dirs = any(p.is_dir() for p in folder.iterdir())
    return not names or (not has_dirs and any(n.endswith((".parquet", ".json")) for n in names))


def run_folders(root: str | Path) -> list[str]:
    """Folders below ``root`` that are (or were meant to be) run or comparison folders.

    Broken ones (empty, unfinished, missing files) are listed too, so the explorer can say
    what is wrong with them. Paths are relative to ``root``, sorted.
    """
    base = Path(root)
    found: list[str] = []
    frontier = [base]
    for _ in range(DEPTH):
        below = sorted(p for f in frontier for p in f.iterdir() if p.is_dir())
        found += [p.relative_to(base).as_posix() for p in below if _looks_like_output(p)]
        frontier = below
    return sorted(found)


def first_complete(root: str | Path, runs: list[str]) -> str | None:
    """The first of ``runs`` that holds a ledger (the run the page opens with)."""
    return next((r for r in runs if (Path(root) / r / "flows.parquet").exists()), None)
