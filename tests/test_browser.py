"""The report and the explorer in a real headless Chromium (Debian's), driven by Playwright.

Screenshots go to test-artifacts/ at the repository's root.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboards.browser import CHROMIUM, launch
from mfcsim.reporting import write_report
from tests.viz_fixtures import REPO, runs_dir  # noqa: F401  (runs_dir: a fixture)

ARTIFACTS = REPO / "test-artifacts"
REPORT_FIGURES = 9  # with "Where the numbers come from" (provenance)
EXPLORER_FIGURES = ("sankey", "difference", "map", "stocks", "flows", "fill", "scorecard")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    page.close()


def _links(page: Any, figure: str) -> list[str]:
    return page.eval_on_selector_all(
        f"#{figure} path.sankey-link", "ps => ps.map(p => p.getAttribute('d'))"
    )


def test_report_renders_every_figure_and_its_controls_work(
    page: Any,
    runs_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Every figure is drawn, nothing errs, the time control and layer buttons change Sankeys."""
    report = write_report(runs_dir / "tiny", tmp_path / "report.html",
                          baseline=runs_dir / "tiny-none")  # fmt: skip
    page.goto(report.as_uri())
    page.wait_for_selector(f"body[data-rendered='{REPORT_FIGURES}']", timeout=30_000)
    assert page.locator(".js-plotly-plot").count() == REPORT_FIGURES
    for div in page.locator(".figure").all():
        assert div.locator(".main-svg").count() > 0
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    before = _links(page, "fig-sankey")
    rail = page.locator("#fig-sankey .slider-rail-touch-rect")
    box = rail.bounding_box()
    rail.click(position={"x": box["width"] * 0.97, "y": box["height"] / 2})
    page.wait_for_function(
        "b => [...document.querySelectorAll('#fig-sankey path.sankey-link')]"
        ".map(p => p.getAttribute('d')).join() !== b", arg=",".join(before), timeout=10_000
    )  # fmt: skip
    assert "step: days 28–30" in page.text_content("#fig-sankey .slider-group")
    layers = _links(page, "fig-layers")
    buttons = page.locator("#fig-layers .updatemenu-button")
    buttons.filter(has=page.get_by_text("N", exact=True)).click()
    page.wait_for_timeout(500)
    assert _links(page, "fig-layers") != layers
    assert "N (t N)" in page.text_content("#fig-layers .gtitle")
    assert page.errors == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def explorer_url(runs_dir: Path) -> Iterator[str]:  # noqa: F811
    port = _free_port()
    proc = subprocess.Popen(  # the real command, on this machine's loopback only
        [sys.executable, "-m", "mfcsim", "dashboard", str(runs_dir), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the explorer did not start") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        proc.stderr.close()


def _title(page: Any, figure: str) -> str:
    return page.text_content(f"#fig-{figure} .gtitle")


def _choose(page: Any, dropdown: str, option: str) -> None:
    page.click(f"#{dropdown}")
    page.get_by_role("option", name=option, exact=True).click()


def test_explorer_renders_and_links_its_figures(page: Any, explorer_url: str) -> None:
    """Every figure is drawn; material, period and a click on the map change the Sankey."""
    page.goto(explorer_url)
    page.wait_for_selector("#fig-sankey .sankey", timeout=60_000)
    for key in EXPLORER_FIGURES:
        page.wait_for_selector(f"#fig-{key} .main-svg", timeout=30_000)
    page.wait_for_function("() => !document.querySelector('#fig-scorecard .gtitle') === false")
    assert "days 0–7" in _title(page, "sankey")
    page.screenshot(path=str(ARTIFACTS / "explorer.png"), full_page=True)
    before = _links(page, "fig-sankey")
    _choose(page, "material", "digestate")
    page.wait_for_function(
        "() => document.querySelector('#fig-sankey .gtitle').textContent.includes('digestate')"
    )
    assert _links(page, "fig-sankey") != before
    page.locator("#period .rc-slider-handle, #period [role=slider]").first.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('#fig-sankey .gtitle').textContent.includes('days 7–14')"
    )
    page.locator("#fig-map g.trace.scatter path.point").last.click(force=True)
    page.wait_for_function(
        "() => document.querySelector('#fig-sankey .gtitle').textContent.includes(', at ')"
    )
    firm = _title(page, "sankey").split(", at ")[1].split(",")[0]
    assert firm in page.inner_text("#firm")
    assert page.errors == []


@pytest.mark.parametrize(("folder", "words"), [("broken", "flows.parquet is missing"),
                                               ("empty", "the folder is empty")])  # fmt: skip
def test_explorer_shows_why_a_folder_cannot_be_read(
    page: Any, explorer_url: str, folder: str, words: str
) -> None:
    """A broken or empty folder shows its one-line reason in the page, no stack trace."""
    page.goto(explorer_url)
    page.wait_for_selector("#fig-sankey .sankey", timeout=60_000)
    _choose(page, "run", folder)
    page.wait_for_function(
        f"() => document.querySelector('#message').textContent.includes('{words}')"
    )
    text = page.inner_text("#message")
    assert "Traceback" not in text
    assert text.count("\n") == 0
    page.screenshot(path=str(ARTIFACTS / f"explorer-{folder}.png"))
    assert page.errors == []


def test_explorer_draws_the_difference_to_a_baseline(page: Any, explorer_url: str) -> None:
    """Choosing a baseline run draws the difference Sankey of the two runs."""
    page.goto(explorer_url)
    page.wait_for_selector("#fig-sankey .sankey", timeout=60_000)
    _choose(page, "baseline", "tiny-none")
    page.wait_for_selector("#fig-difference .sankey", timeout=30_000)
    assert "Difference tiny − tiny-none" in _title(page, "difference")
    assert page.errors == []


def test_explorer_shows_a_comparison_folder(page: Any, explorer_url: str) -> None:
    """A comparison folder gives its scorecard with intervals, and says it has no flows."""
    page.goto(explorer_url)
    page.wait_for_selector("#fig-sankey .sankey", timeout=60_000)
    _choose(page, "run", "cmp")
    page.wait_for_function(
        "() => (document.querySelector('#fig-scorecard .gtitle') || {}).textContent"
        "?.includes('95 % intervals')"
    )
    # the Sankey is redrawn by its own callback, which may finish after the scorecard's
    page.wait_for_function(
        "() => document.querySelector('#fig-sankey').textContent.includes('indicators only')",
        timeout=30_000,
    )
    assert "indicators only" in page.text_content("#fig-sankey")
    page.screenshot(path=str(ARTIFACTS / "explorer-comparison.png"))
    assert page.errors == []
