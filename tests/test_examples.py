"""The example plug-in of examples/ is installed and its scenario runs through the CLI.

`make install` installs examples/insect_farm into the project's .venv; `make test` runs its
own tests (examples/insect_farm/tests) beside these.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "examples" / "insect_farm" / "scenarios" / "insect_cluster.yaml"
MFCSIM = Path(sys.executable).with_name("mfcsim")


def test_the_insect_farm_is_a_firm_type_of_the_installed_plugin() -> None:
    out = subprocess.run(
        [MFCSIM, "types"], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert "bsf_farm:" in out
    assert "cycle_days" in out


def test_the_example_scenario_runs_through_the_cli(tmp_path: Path) -> None:
    """Two insect farms in the default cluster: exit 0, on the vectorised path, producing."""
    out = tmp_path / "run"
    done = subprocess.run(
        [MFCSIM, "run", SCENARIO, "--days", "20", "--out", out, "--quiet", "--no-report"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    slow = manifest["per_firm_path_firms"]
    assert "insects_city" not in slow
    assert "insects_brewery" not in slow
    assert "insects_city" not in manifest["idle_firms"]
    import pandas as pd

    flows = pd.read_parquet(out / "flows.parquet")
    meal = flows[(flows["material"] == "larvae_meal") & (flows["kind"] == "production")]
    assert meal["quantity"].sum() > 0
