"""The reports of real runs — the quickstart's mix and the video scenario, shortened — opened in
headless Chromium (Debian's, as scripts/bootstrap installs it): no console error, no request
beyond the file itself, a screenshot that is not blank, and every figure of summary.json in the
page's visible text, in the row of its metric, reading back as the number summary.json holds.

`imbench run` writes the report itself and prints its path (the README's main job); `imbench
report` of both runs writes the comparison. The checks are shown to bite: a page that fetches
something, and a blank page, fail them.
"""

from __future__ import annotations

import io
import math
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, sync_playwright

from harness.kernel.figures import Figure
from harness.kernel.summary import Summary, read_summary
from harness.report.figure_text import BYTE_STEPS, DASH, show
from tests.conftest import IMBENCH, needs_root

pytestmark = [pytest.mark.slow, needs_root]

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "workloads" / "scenarios"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Keep Chromium off the network (it has none here); playwright gives each launch a fresh profile."""
MAX_QUICKSTART_BYTES = 2 * 1024 * 1024


def shortened(shipped: Path, duration_s: int, ramp_s: int) -> str:
    """A shipped scenario with a shorter steady phase and ramp: the same workloads otherwise."""
    text = shipped.read_text()
    text, n_duration = re.subn(r"(?m)^duration_s = \d+", f"duration_s = {duration_s}", text)
    text, n_ramp = re.subn(r"(?m)^ramp_s = \d+", f"ramp_s = {ramp_s}", text)
    assert n_duration == n_ramp == 1, f"{shipped}: its duration_s and ramp_s lines changed"
    return text


@dataclass(frozen=True)
class Run:
    folder: Path
    report: Path
    markdown: Path
    stdout: str

    @property
    def summary(self) -> Summary:
        return read_summary(self.folder)


def imbench_run(tmp: Path, shipped: Path, duration_s: int, ramp_s: int) -> Run:
    """`imbench run` of a shortened shipped scenario, as a user types it: it prints the report's
    path, which must be report.html in the run folder it also prints."""
    scenario = tmp / shipped.name
    scenario.write_text(shortened(shipped, duration_s, ramp_s))
    done = subprocess.run(
        [*IMBENCH, "run", str(scenario), "--results-dir", str(tmp / "results"), "--quiet"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    # ok, or invalid when other work saturated the generator: the report is written either way
    assert done.returncode in (0, 3), done.stdout[-3000:] + done.stderr[-3000:]
    printed = re.search(r"^report: (\S+)  \(summary: (\S+)\)$", done.stdout, re.M)
    folder = re.search(r"^run folder: (\S+)$", done.stdout, re.M)
    assert printed and folder, done.stdout[-3000:] + done.stderr[-3000:]
    run = Run(Path(folder[1]), Path(printed[1]), Path(printed[2]), done.stdout)
    assert run.report == run.folder / "report.html" and run.report.is_file()
    assert run.markdown == run.folder / "report.md" and run.markdown.is_file()
    return run


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return imbench_run(tmp_path_factory.mktemp("quickstart"), SCENARIOS / "quickstart.toml", 8, 2)


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return imbench_run(tmp_path_factory.mktemp("video"), SCENARIOS / "video_calls.toml", 6, 2)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.is_file(), "Debian's chromium is missing: scripts/bootstrap installs it as root"
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Visit:
    """What opening one page did: its requests, console errors, text and screenshot."""

    url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    text: str = ""
    png: bytes = b""
    page: Page | None = None

    @property
    def problems(self) -> list[str]:
        fetched = [f"request {u}" for u in self.requests if u != self.url]
        return fetched + [f"console {e}" for e in self.errors]


Opener = Callable[[Path], Visit]


@pytest.fixture
def visit(browser: Browser) -> Iterator[Opener]:
    contexts = []

    def open_page(path: Path) -> Visit:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        seen = Visit(path.resolve().as_uri(), page=page)
        page.on("request", lambda r: seen.requests.append(r.url))
        page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: seen.errors.append(f"page error: {e}"))
        page.goto(seen.url, wait_until="load")
        seen.text = page.inner_text("body")
        seen.png = page.screenshot(full_page=True)
        return seen

    yield open_page
    for context in contexts:
        context.close()


def blank_problem(png: bytes) -> str | None:
    """Why a screenshot counts as blank: one colour nearly everywhere, or hardly any colours."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = image.width * image.height
    colours = image.getcolors(maxcolors=pixels) or []
    background = max(colours)[0]
    inked = 1 - background / pixels
    if len(colours) < 16 or inked < 0.02:
        return f"{len(colours)} colours, {inked:.1%} of {image.width}x{image.height} not background"
    return None


UNIT_FACTORS = {name: float(size) for name, size in BYTE_STEPS}


def read_back(text: str) -> float:
    """The number a cell shows, in the figure's registered unit (KiB, MiB, GiB undone)."""
    number, _, unit = text.partition(" ")
    return float(number.replace(",", "")) * UNIT_FACTORS.get(unit.split("/")[0], 1.0)


def assert_figure_row(page: Page, figure: Figure) -> None:
    """The figure's own row in the section of every figure shows each statistic and its count,
    and the value reads back as summary.json's number to the digits shown."""
    row = page.locator(f'section#r0-figures tr[data-key="{figure.name}"]')
    assert row.count() == 1, figure.name
    text = row.inner_text()
    shown = show(figure)
    for stat, cell in shown.stats.items():
        assert cell in text, (figure.name, stat, cell, text)
        number = figure.statistic(stat)
        if cell == DASH:
            assert figure.n == 0 or number is None or not math.isfinite(number), figure
            continue
        assert number is not None
        back = read_back(shown.with_unit(stat))
        assert back == pytest.approx(number, rel=6e-4, abs=1e-9), (figure.name, stat, cell)
    assert shown.n in text


def assert_opens_clean(seen: Visit) -> None:
    assert seen.problems == [], seen.problems
    assert seen.requests == [seen.url]  # the page itself, from file://, and nothing else
    assert blank_problem(seen.png) is None, blank_problem(seen.png)


@pytest.mark.parametrize("which", ["quickstart", "video"])
def test_the_report_opens_offline_and_shows_every_figure_of_summary_json(
    which: str, request: pytest.FixtureRequest, visit: Opener
) -> None:
    run: Run = request.getfixturevalue(which)
    seen = visit(run.report)
    assert_opens_clean(seen)
    summary = run.summary
    assert summary.metrics
    for figure in summary.metrics.values():
        assert_figure_row(seen.page, figure)
    assert f"{summary.load_window_s:g} s" in seen.text
    assert summary.run_id in seen.text and str(summary.status) in seen.text
    for low in summary.media_under_target:
        assert f"{low.peer} ← {low.stream}" in seen.text
    assert "Cost per concurrent user per vendor" in seen.text
    assert run.markdown.read_text().startswith(f"# imbench report — {summary.run_id}")


def test_the_quickstart_report_stays_under_2_mb_and_shows_latency_per_workload(
    quickstart: Run, visit: Opener
) -> None:
    assert quickstart.report.stat().st_size < MAX_QUICKSTART_BYTES
    seen = visit(quickstart.report)
    for workload in ("chat e2e latency", "group e2e latency", "group fan-out completion"):
        assert workload in seen.text  # the CDF's legend: the chart's text is the page's text
    assert seen.page is not None and seen.page.locator("section#r0-time figure svg").count() == 1


def test_the_video_report_names_each_receive_stream_against_its_target(
    video: Run, visit: Opener
) -> None:
    seen = visit(video.report)
    assert seen.page is not None
    streams = seen.page.locator("section#r0-media table").first.locator("tbody tr")
    received = video.summary.metrics["video.recv_streams"].value
    assert streams.count() == received
    assert "target Mbps" in seen.text and "1.5" in streams.first.inner_text()


def test_a_report_of_both_runs_compares_them_side_by_side(
    quickstart: Run, video: Run, tmp_path: Path, visit: Opener
) -> None:
    out = tmp_path / "both.html"
    done = subprocess.run(
        [*IMBENCH, "report", str(quickstart.folder), str(video.folder), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"report: {out}", f"summary: {out.with_suffix('.md')}"]
    seen = visit(out)
    assert_opens_clean(seen)
    assert seen.page is not None
    head = seen.page.locator("section#compare thead").inner_text()
    assert quickstart.summary.run_id in head and video.summary.run_id in head
    assert "| figure | what | better |" in out.with_suffix(".md").read_text()


def test_the_checks_catch_a_page_that_fetches_and_a_blank_page(
    quickstart: Run, tmp_path: Path, visit: Opener
) -> None:
    html = quickstart.report.read_text()
    pixel = '<img src="http://127.0.0.1:9/pixel.png" alt="">'  # loopback's discard port
    with_csp = tmp_path / "fetches.html"
    with_csp.write_text(html.replace("<main>", f"<main>{pixel}", 1))
    assert visit(with_csp).problems  # the page's policy refuses it
    no_csp = tmp_path / "fetches-no-policy.html"
    no_csp.write_text(re.sub(r"<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "", html))
    no_csp.write_text(no_csp.read_text().replace("<main>", f"<main>{pixel}", 1))
    fetched = visit(no_csp)
    assert any(p.startswith("request http://127.0.0.1:9/") for p in fetched.problems)
    blank = tmp_path / "blank.html"
    blank.write_text("<!doctype html><html><body></body></html>")
    assert blank_problem(visit(blank).png) is not None
