"""Digests of what a change must leave identical (the restructuring issue's check).

Prints JSON: the golden ledger digests of ``tests/golden``, the ledger digest of the
synthetic 1,000-firm greedy year (seed 1), and the SHA-256 of every file of the default
scenario's run folder except those that carry the wall clock (``manifest.json``,
``report.html``). Run it before and after a change and compare the two outputs::

    python tools/outputs_digest.py > /tmp/before.json
    ... change ...
    python tools/outputs_digest.py > /tmp/after.json && diff /tmp/before.json /tmp/after.json
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

#: Files of a run folder that record when and how long, not what.
CLOCKED = {"manifest.json", "report.html"}

#: Figures of ``kpis.json`` measured by the wall clock.
CLOCKED_KPIS = {"clearing_seconds_total"}


def _file_digest(path: Path) -> str:
    """SHA-256 of a file; of ``kpis.json`` without its wall-clock figures."""
    data = path.read_bytes()
    if path.name == "kpis.json":
        kpis = {k: v for k, v in json.loads(data).items() if k not in CLOCKED_KPIS}
        data = json.dumps(kpis, sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()


def run_folder_digests(scenario: Path) -> dict[str, str]:
    """SHA-256 of each file a ``mfcsim run`` of ``scenario`` writes (clocked files left out)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        subprocess.run([sys.executable, "-m", "mfcsim", "run", str(scenario), "--out", str(out),
                        "--quiet"], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        return {
            str(p.relative_to(out)): _file_digest(p)
            for p in sorted(out.rglob("*"))
            if p.is_file() and p.name not in CLOCKED
        }


def main() -> None:
    """Print the digests as JSON."""
    from test_golden import digests

    from mfcsim.scenario.generate import synthetic_cluster
    from mfcsim.testing import ledger_digest, run_scenario

    year = run_scenario(synthetic_cluster(1000, seed=1, days=365, policy="greedy"))
    sys.stdout.write(json.dumps({
        "golden": digests(),
        "synthetic1000-greedy-365d": ledger_digest(year),
        "default-run-folder": run_folder_digests(ROOT / "scenarios" / "default.yaml"),
    }, indent=2, sort_keys=True) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
