"""Debian's headless Chromium driven by Playwright: never a downloaded browser.

Used by the browser tests, the README screenshot and the report benchmark. The flags keep
Chromium off the network (this project's machines reach only package registries).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def launch(playwright: Any) -> Any:
    """A headless Chromium browser (``/usr/bin/chromium``) from a running Playwright.

    Raises:
        FileNotFoundError: If Debian's chromium is not installed.
    """
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM}: not installed (apt-get install -y chromium)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(ARGS))


def screenshot(url: str, out: str | Path, *, width: int = 1400, height: int = 900) -> Path:
    """Open ``url``, wait until every figure is drawn, save a PNG of the first screen(s)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(url)
        page.wait_for_selector("body[data-rendered]", timeout=60_000)
        page.screenshot(path=str(out), full_page=False)
        browser.close()
    return Path(out)


def main(argv: list[str] | None = None) -> None:
    """``python -m dashboards.browser REPORT.html OUT.png``: a screenshot of a report."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    report, out = Path(args[0]).resolve(), Path(args[1])
    screenshot(report.as_uri(), out, height=int(args[2]) if len(args) > 2 else 900)
    sys.stdout.write(f"{out}\n")


if __name__ == "__main__":
    main()
