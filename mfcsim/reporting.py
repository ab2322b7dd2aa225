"""``mfcsim report``: the standalone HTML report of a run (against a baseline) or a comparison."""

from __future__ import annotations

from pathlib import Path

from mfcsim import runfiles
from mfcsim.errors import UsageError
from mfcsim.viz import comparison_panels, report_html, run_panels

REPORT_NAME = "report.html"


def build_report(
    folder: str | Path, baseline: str | Path | None = None, label: str | None = None
) -> str:
    """The report's HTML for a run folder (against a baseline run) or a comparison folder.

    ``label`` names the run (default: the folder's name; a run being written sits under a
    temporary name).

    Raises:
        ResultsError: If a folder is missing, unfinished, of another format or incomplete.
    """
    if runfiles.folder_kind(folder) == "comparison":
        comparison = runfiles.read_comparison(folder)
        info = {k: v for k, v in comparison.info.items() if isinstance(v, str | int | float)}
        return report_html(comparison.label, info, comparison_panels(comparison))
    data = runfiles.read_run(folder, label)
    base = runfiles.read_run(baseline) if baseline is not None else None
    info = dict(data.info) | ({"baseline": base.label} if base is not None else {})
    return report_html(data.label, info, run_panels(data, base))


def write_report(
    folder: str | Path,
    out: str | Path | None = None,
    *,
    baseline: str | Path | None = None,
    label: str | None = None,
) -> Path:
    """Write the report (default ``FOLDER/report.html``) and return its path.

    Raises:
        ResultsError: If a folder cannot be read.
        UsageError: If the output's folder does not exist.
    """
    runfiles.folder_kind(folder)  # a missing folder is named before the output is
    path = Path(out) if out is not None else Path(folder) / REPORT_NAME
    if not path.parent.is_dir():
        raise UsageError(f"-o {path}: no folder {path.parent} (accepted: a file in a folder)")
    text = build_report(folder, baseline, label)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
