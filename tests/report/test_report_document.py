"""The report's content and its two renderings, from run folders written here (the layer below:
stored records). Real runs opened in Chromium are in test_report_browser.py."""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from harness.compare import Compared, build_comparison, every_figure
from harness.compare_command import load_compared
from harness.kernel.summary import Summary, parse_summary
from harness.report.build import build_report
from harness.report.command import write_report
from harness.report.comparison import comparison_table
from harness.report.costs import run_costs
from harness.report.html_page import CSP, render_html
from harness.report.markdown import render_markdown
from harness.report.run_records import load_run

FIXTURE = Path(__file__).parent.parent / "fixtures" / "summary_messaging.json"


def summary_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(FIXTURE.read_text())
    doc.update(changes)
    return doc


def run_folder(tmp_path: Path, doc: dict[str, Any]) -> Path:
    """A finished run's folder as the harness leaves it, without per-message records."""
    folder = tmp_path / doc["run_id"]
    (folder / "raw").mkdir(parents=True)
    manifest = {
        "run_id": doc["run_id"],
        "start_utc": "2026-11-28T04:00:00+00:00",
        "scenario": {
            "name": doc["scenario"],
            "ramp_s": 10,
            "workloads": [{"kind": "chat", "users": 60, "send_rate_per_user_hz": 1.0}],
        },
        "scenario_file": "workloads/scenarios/quickstart.toml",
        "scenario_sha256": "ab" * 32,
        "backend": {"name": "embedded", "version": "0.1.0", "config": {"store": "sqlite-wal"}},
        "media_backend": {"name": "none"},
        "turn": {"name": "none"},
        "host": {"hostname": "vm", "os": "Linux", "cpu_count": 2, "memory_bytes": 25324732416},
        "packages": {"locust": "2.47.0"},
        "git": {"commit": "24d128be9b22a5e6a172104791ea835efbec5d89", "dirty": False},
        "methods": {"net_method": doc["net_method"]},
        "orchestrator": {"pid": 1, "started_s": 0.0, "hostname": "vm"},
        "status": doc["status"],
        "reasons": doc["reasons"],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "summary.json").write_text(json.dumps(doc))
    return folder


def summary_of(doc: dict[str, Any]) -> Summary:
    return parse_summary(doc, "test")


class Page(HTMLParser):
    """What a page would load: every src, href, and CSS url(); its headings and scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.tags: set[str] = set()
        self.headings: list[str] = []
        self._heading: list[str] | None = None
        self.csp = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        found = dict(attrs)
        self.refs += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href", "srcset")]
        self.refs += re.findall(r"url\(([^)]*)\)", found.get("style") or "")
        if tag == "meta" and found.get("http-equiv") == "Content-Security-Policy":
            self.csp = found.get("content") or ""
        if tag in ("h2", "h3"):
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h2", "h3") and self._heading is not None:
            self.headings.append("".join(self._heading))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)
        self.refs += re.findall(r"url\(([^)]*)\)", data)


def parsed(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


@pytest.fixture
def failed_loopback_run(tmp_path: Path) -> Path:
    doc = summary_doc(
        run_id="20261128T050000Z-quickstart-embedded-dead",
        status="failed",
        partial=True,
        reasons=["backend embedded exited unexpectedly (killed by SIGKILL) 4.5 s after load start"],
        net_method="loopback-shared",
    )
    return run_folder(tmp_path, doc)


def test_a_failed_partial_loopback_run_is_marked_wherever_the_page_names_it(
    tmp_path: Path, failed_loopback_run: Path
) -> None:
    files = write_report([failed_loopback_run], tmp_path / "r.html")
    html = files.html.read_text()
    page = parsed(html)
    marks = "[FAILED, PARTIAL, APPROXIMATE]"
    run_headings = [h for h in page.headings if "dead" in h]
    assert len(run_headings) >= 4  # the run, its facts, its cost, its figures
    assert all(marks in h for h in run_headings), run_headings
    assert f"<title>imbench report — 20261128T050000Z-quickstart-embedded-dead {marks}" in html
    banner = html[html.index('<div class="banner">') : html.index("</header>")]
    for word in ("FAILED", "PARTIAL", "APPROXIMATE", "shared loopback"):
        assert word in banner
    svg_titles = re.findall(r"<text[^>]*>[^<]*dead [^<]*</text>", html)
    assert svg_titles and all(marks in t for t in svg_titles)  # the cost chart's title
    md = files.markdown.read_text()
    assert md.startswith(f"# imbench report — 20261128T050000Z-quickstart-embedded-dead {marks}")
    assert "> **APPROXIMATE** — 20261128T050000Z-quickstart-embedded-dead" in md
    assert "backend embedded exited unexpectedly (killed by SIGKILL)" in md


def test_an_ok_run_carries_no_mark(tmp_path: Path) -> None:
    folder = run_folder(tmp_path, summary_doc())
    html = write_report([folder], tmp_path / "r.html").html.read_text()
    assert 'class="banner"' not in html and 'class="mark"' not in html


def test_the_page_loads_nothing_and_forbids_loading_anything(
    tmp_path: Path, failed_loopback_run: Path
) -> None:
    page = parsed(write_report([failed_loopback_run], tmp_path / "r.html").html.read_text())
    assert page.csp == CSP and "default-src 'none'" in page.csp
    assert not page.tags & {"script", "link", "img", "iframe", "object", "embed", "video"}
    assert page.refs and all(ref.startswith("#") for ref in page.refs), page.refs


def test_every_figure_of_the_summary_has_a_row_of_its_own(tmp_path: Path) -> None:
    folder = run_folder(tmp_path, summary_doc())
    html = write_report([folder], tmp_path / "r.html").html.read_text()
    figures = html[html.index('id="r0-figures"') :]
    keys = set(re.findall(r'<tr data-key="([^"]+)"', figures))
    assert keys == set(summary_doc()["metrics"])


def test_the_markdown_tables_have_as_many_cells_as_heads_in_every_row(
    tmp_path: Path, failed_loopback_run: Path
) -> None:
    md = write_report([failed_loopback_run], tmp_path / "r.html").markdown.read_text()
    tables = re.findall(r"(?:^\|.*\|$\n?)+", md, re.M)
    assert len(tables) >= 3  # facts, headline figures, cost
    for table in tables:
        rows = [re.split(r"(?<!\\)\|", line)[1:-1] for line in table.strip().splitlines()]
        assert len({len(r) for r in rows}) == 1, table
        assert all(re.fullmatch(r"-+:?", c) for c in rows[1])


def test_the_cost_section_shows_each_sheets_cost_per_concurrent_user_and_its_line_items(
    tmp_path: Path,
) -> None:
    folder = run_folder(tmp_path, summary_doc())
    costs = run_costs(folder, None)
    html = write_report([folder], tmp_path / "r.html").html.read_text()
    priced = [r for r in costs.rows if r.usd_per_ccu_month is not None]
    assert priced
    for row in priced:
        cells = re.search(rf'<tr data-key="{re.escape(row.bill.sheet.id)}"[^>]*>(.*?)</tr>', html)
        assert cells, row.bill.sheet.id
        per_ccu = f"${row.usd_per_ccu_month:,.4f}"
        assert per_ccu in cells.group(1)
        assert row.bill.sheet.source_url in html
        for line in row.bill.lines:
            assert f'data-key="{row.bill.sheet.id}/{line.row}"' in html


def test_comparison_figures_follow_the_registry_taking_p50_p95_p99_of_distributions() -> None:
    base = summary_of(summary_doc())
    chosen = every_figure([base])
    assert Compared("messaging.e2e_latency_ms", "p50") in chosen
    assert [c.stat for c in chosen if c.name == "messaging.e2e_latency_ms"] == ["p50", "p95", "p99"]
    names = [c.name for c in chosen]
    assert names.index("messaging.messages_sent") < names.index("backend.cpu_core_s")
    assert set(names) == set(base.metrics)


def test_the_comparison_flags_the_changes_the_registry_calls_worse(tmp_path: Path) -> None:
    base_doc = summary_doc()
    other_doc = copy.deepcopy(base_doc)
    other_doc["run_id"] = "20261128T060000Z-quickstart-embedded-beef"
    other_doc["metrics"]["messaging.e2e_latency_ms"]["p50"] = 1.35  # lower is better: worse
    other_doc["metrics"]["messaging.delivery_ratio"]["value"] = 0.99996  # higher is better: worse
    other_doc["metrics"]["messaging.messages_sent"]["value"] = 20000  # neither
    other_doc["metrics"]["wire.mbps_mean"]["value"] = 4.0  # lower is better: better
    runs = [load_compared(run_folder(tmp_path, d), None) for d in (base_doc, other_doc)]
    summaries = [r.summary for r in runs]
    table = comparison_table(build_comparison(runs, every_figure(summaries), costs=False), "")
    rows = {r.key: r for r in table.rows}
    assert rows["messaging.e2e_latency_ms.p50"].cells[-1] == "1.35 ms (+50.0 %)"
    assert rows["messaging.e2e_latency_ms.p50"].flagged
    assert rows["messaging.delivery_ratio"].cells[-1] == "0.99996 (-0.004 %)"
    assert rows["messaging.delivery_ratio"].flagged
    assert rows["messaging.messages_sent"].cells[-1] == "20,000 msgs (+100.0 %)"
    assert not rows["messaging.messages_sent"].flagged
    assert rows["wire.mbps_mean"].cells[-1] == "4 Mbps (-50.0 %)"
    assert not rows["wire.mbps_mean"].flagged
    assert not rows["backend.cpu_core_s"].flagged
    assert table.head[-2:] == (base_doc["run_id"], other_doc["run_id"])


def test_a_report_of_several_runs_starts_with_their_comparison(
    tmp_path: Path, failed_loopback_run: Path
) -> None:
    ok = run_folder(tmp_path, summary_doc())
    report = build_report([load_run(ok), load_run(failed_loopback_run)], [None, None])
    assert report.sections[0].id == "compare"
    head = report.sections[0].blocks[0].head  # type: ignore[union-attr]
    assert head[-1].endswith("[FAILED, PARTIAL, APPROXIMATE]")
    assert "Runs side by side" in render_markdown(report)
    assert 'id="compare"' in render_html(report)


def test_a_run_that_produced_no_figure_says_so_instead_of_showing_empty_tables(
    tmp_path: Path,
) -> None:
    doc = summary_doc(
        run_id="20261128T070000Z-quickstart-embedded-0000",
        status="error",
        partial=True,
        reasons=["harness error: a bug (traceback in harness-error.log)"],
        metrics={},
    )
    files = write_report([run_folder(tmp_path, doc)], tmp_path / "r.html")
    md = files.markdown.read_text()
    assert "The run produced no figure (summary.json has no metrics)." in md
    assert "**Headline figures**" not in md
    assert 'id="r0-figures"' not in files.html.read_text()
