"""mypy --strict on mfcsim/, held to a baseline of known errors that may only shrink.

Each error is keyed by file, error code and message (not the line, which moves with every
edit) and counted. The check fails if any key occurs more often than in the baseline (a new
error), and says so when errors have gone (run with ``--update`` to shrink the baseline).

    python tools/mypy_ratchet.py            # check (make lint)
    python tools/mypy_ratchet.py --update   # write the baseline anew (only after fixes)
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "tools" / "mypy_baseline.txt"
ERROR = re.compile(r"^(?P<file>[^:]+):\d+(?::\d+)?: error: (?P<message>.*)$")


def current_errors() -> Counter[str]:
    """The errors of mypy on mfcsim/ (settings from pyproject.toml), keyed without lines."""
    stdout, _, _ = api.run(["--config-file", str(ROOT / "pyproject.toml")])
    keys = [f"{m['file']}: {m['message']}" for line in stdout.splitlines()
            if (m := ERROR.match(line))]  # fmt: skip
    return Counter(keys)


def say(line: str) -> None:
    """One line on stdout."""
    sys.stdout.write(line + "\n")


def main(argv: list[str]) -> int:
    """Check against the baseline (exit 1 on new errors), or rewrite it with --update."""
    errors = current_errors()
    if "--update" in argv:
        BASELINE.write_text("".join(f"{k}\n" for k in sorted(errors.elements())))
        say(f"mypy baseline: {sum(errors.values())} known errors written to {BASELINE}")
        return 0
    known = Counter(BASELINE.read_text().splitlines()) if BASELINE.exists() else Counter()
    new, gone = errors - known, known - errors
    for key in sorted(new):
        say(f"new mypy error: {key}")
    if gone:
        say(f"mypy: {sum(gone.values())} known error(s) gone: run "
            "`python tools/mypy_ratchet.py --update` to shrink the baseline")  # fmt: skip
    say(f"mypy: {sum(errors.values())} errors, {sum(new.values())} new")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
