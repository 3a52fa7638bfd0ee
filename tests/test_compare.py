"""`imbench compare`: stored runs side by side, from run folders written here with the harness's
own writers (the layer below: stored records) and from one real short run.

The hand-made folders carry what real runs differ by — another scenario, another host, an
invalid status, a figure the run says it cannot have — and the table must mark or say each.
The CSV and JSON must carry the same figures as the text table.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from collections.abc import Callable
from html import escape
from pathlib import Path

import pytest

from harness.cli import main
from harness.compare import HEADLINE, ComparedRun, build_comparison
from harness.compare_command import load_compared
from harness.compare_formats import to_text
from harness.kernel import exitcodes
from harness.kernel.figures import Figure, Stats, by_name
from harness.kernel.metric_names import BACKEND, MESSAGING, WIRE
from harness.kernel.status import RunStatus
from harness.kernel.summary import SCHEMA, Summary, read_summary
from harness.manifest import Manifest, Orchestrator
from harness.report.command import write_report
from harness.report.figure_text import amount
from harness.store import RunFolder
from tests.conftest import IMBENCH, needs_root

ROOT = Path(__file__).resolve().parent.parent
SHA = "3f" * 32
HOST = {"hostname": "vm", "cpu_count": 2, "memory_bytes": 8 * 1024**3}


def figures(cpu_per_1k: float = 0.15, storage_per_msg: float | None = 640.0) -> dict[str, Figure]:
    latency = Stats(min=0.2, p50=0.76, p95=1.184, p99=1.491, max=9.7, mean=0.8)
    out = [
        Figure.of_value(MESSAGING.messages_sent, 6000, 6000),
        Figure.of_value(MESSAGING.messages_delivered, 16489, 16489),
        Figure.of_value(MESSAGING.deliveries_expected, 16490, 16490),
        Figure.of_value(MESSAGING.delivery_ratio, 16489 / 16490, 16490),
        Figure.of_distribution(MESSAGING.e2e_latency_ms, 16489, latency),
        Figure.of_value(MESSAGING.peak_concurrent_users, 120, 1),
        Figure.of_value(BACKEND.cpu_core_s_per_1k_delivered_msgs, cpu_per_1k, 57, (0.12, 0.17)),
        Figure.of_value(BACKEND.rss_bytes_per_user, 18560.0, 1),
        Figure.of_value(WIRE.bytes_per_delivered_msg, 537.7, 16489),
    ]
    if storage_per_msg is not None:
        out.append(Figure.of_value(BACKEND.storage_bytes_per_stored_msg, storage_per_msg, 6000))
    return by_name(*out)


def write_run(
    results: Path,
    run_id: str,
    *,
    backend: str = "embedded",
    sha: str = SHA,
    host: dict[str, object] | None = None,
    status: RunStatus = RunStatus.OK,
    reasons: tuple[str, ...] = (),
    metrics: dict[str, Figure] | None = None,
    unavailable: dict[str, str] | None = None,
) -> Path:
    """A finished run's folder as the harness leaves it: its manifest and summary, written by
    the harness's own dataclasses and RunFolder."""
    folder = RunFolder.create(results, run_id)
    manifest = Manifest(
        run_id=run_id,
        start_utc="2026-12-01T21:37:16+00:00",
        scenario={"name": "quickstart", "ramp_s": 10},
        scenario_file="workloads/scenarios/quickstart.toml",
        scenario_sha256=sha,
        backend={"name": backend, "version": "1.2.3", "config": {}},
        media_backend={"name": "none"},
        turn={"name": "none"},
        host=dict(host or HOST),
        packages={},
        git={"commit": "unknown", "dirty": False},
        methods={},
        orchestrator=Orchestrator(1, 0.0, "vm"),
        status=status,
        reasons=list(reasons),
    )
    folder.write_manifest(manifest.to_json())
    summary = Summary(
        run_id=run_id,
        status=status,
        partial=False,
        reasons=reasons,
        scenario="quickstart",
        backend=backend,
        media_backend="none",
        net_method="netns-veth",
        load_window_s=58.0,
        metrics=figures() if metrics is None else metrics,
        unavailable=unavailable or {},
    )
    folder.write_summary(summary.to_json())
    assert summary.to_json()["schema"] == SCHEMA
    return folder.path


@pytest.fixture
def results(tmp_path: Path) -> Path:
    return tmp_path / "results"


@pytest.fixture
def four_runs(results: Path) -> list[Path]:
    """A base run, a Mosquitto-like run without storage figures, a run of another scenario on
    another host, and an invalid run."""
    return [
        write_run(results, "20261201T213716Z-quickstart-embedded-f19d"),
        write_run(
            results,
            "20261201T220000Z-quickstart-mosquitto-aaaa",
            backend="mosquitto",
            metrics=figures(cpu_per_1k=0.05, storage_per_msg=None),
        ),
        write_run(
            results,
            "20261201T230000Z-bigger-embedded-bbbb",
            sha="9c" * 32,
            host={"hostname": "other-vm", "cpu_count": 4, "memory_bytes": 16 * 1024**3},
        ),
        write_run(
            results,
            "20261202T000000Z-quickstart-embedded-cccc",
            status=RunStatus.INVALID,
            reasons=("generator 0 above 85 % of a core over 5 s (92 %)",),
        ),
    ]


def loaded(paths: list[Path]) -> list[ComparedRun]:
    return [load_compared(p, None) for p in paths]


def test_each_column_names_backend_version_status_scenario_hash_and_host(
    four_runs: list[Path],
) -> None:
    comparison = build_comparison(loaded(four_runs))
    base, mosquitto, bigger, invalid = comparison.columns
    assert mosquitto.backend_text == "mosquitto 1.2.3"
    assert base.status_text == "ok" and invalid.status_text == "invalid"
    assert base.scenario_text == f"quickstart {SHA[:12]}" and base.scenario_sha256 == SHA
    assert bigger.host == "other-vm, 4 CPUs, 16 GiB" and base.host == "vm, 2 CPUs, 8,192 MiB"
    text = to_text(comparison)
    for column in comparison.columns:
        assert column.run_id in text and column.backend_text in text


def test_other_scenarios_other_hosts_and_invalid_runs_are_marked_with_why(
    four_runs: list[Path],
) -> None:
    comparison = build_comparison(loaded(four_runs))
    words = [[m.word for m in c.marks] for c in comparison.columns]
    assert words == [[], [], ["OTHER-SCENARIO", "OTHER-HOST"], ["INVALID"]]
    legend = comparison.legend(["#1", "#2", "#3", "#4"])
    assert any(
        line.startswith("#3 OTHER-SCENARIO") and "9c9c9c9c9c9c" in line and SHA[:12] in line
        for line in legend
    )
    assert any(line.startswith("#3 OTHER-HOST") and "other-vm" in line for line in legend)
    assert any(
        line.startswith("#4 INVALID") and "generator 0 above 85 %" in line for line in legend
    )
    text = to_text(comparison)
    assert "#3 [OTHER-SCENARIO, OTHER-HOST]" in text and "#4 [INVALID]" in text
    assert "\n  #4 INVALID: completed, but a load generator saturated" in text
    same = to_text(build_comparison(loaded([four_runs[0], four_runs[1]])))
    assert "[" not in same.split("\n\n")[1] and "same scenario, same host, every run ok" in same


def test_every_headline_figure_of_every_run_is_printed_or_said_to_be_missing(
    four_runs: list[Path],
) -> None:
    runs = loaded(four_runs)
    comparison = build_comparison(runs)
    keys = [r.key for r in comparison.rows]
    assert keys[: len(HEADLINE)] == [item.ref for item in HEADLINE]
    assert keys[len(HEADLINE) :] == [
        f"cost.{sheet}.usd_per_ccu_month"
        for sheet in ("selfhost-aws", "selfhost-azure", "selfhost-gcp")
    ]
    rows = {r.key: r for r in comparison.rows}
    latency = rows["messaging.e2e_latency_ms.p95"]
    assert [c.text for c in latency.cells] == ["1.184 ms"] * 4
    assert rows["messaging.delivery_ratio"].cells[0].text == "0.999939"
    assert rows["backend.cpu_core_s_per_1k_delivered_msgs"].cells[1].text == "0.05 core_s/1k_msgs"
    assert rows["backend.rss_bytes_per_user"].cells[0].text == "18.12 KiB/user"
    storage = rows["backend.storage_bytes_per_stored_msg"].cells
    assert storage[0].text == "640 bytes/msg" and storage[1].text == "n/a"
    for row in comparison.rows:
        for cell in row.cells:
            assert cell.text and (cell.value is not None or cell.text.startswith("n/a")), row.key


def test_a_figure_the_run_says_it_cannot_have_reads_na_with_its_reason(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Mosquitto keeps no history: its summary says storage per stored message is unavailable."""
    base = write_run(results, "20261201T213716Z-quickstart-embedded-f19d")
    mosquitto = write_run(
        results,
        "20261201T220000Z-quickstart-mosquitto-aaaa",
        backend="mosquitto",
        metrics=figures(storage_per_msg=None),
        unavailable={BACKEND.storage_bytes_per_stored_msg: "no_history"},
    )
    comparison = build_comparison(loaded([base, mosquitto]))
    row = next(r for r in comparison.rows if r.key == BACKEND.storage_bytes_per_stored_msg)
    assert row.cells[0].text == "640 bytes/msg"
    assert (row.cells[1].value, row.cells[1].text, row.cells[1].note) == (
        None,
        "n/a (no_history)",
        "no_history",
    )
    out = results / "cmp.json"
    assert main(["compare", str(base), str(mosquitto), "--json", str(out)]) == exitcodes.OK
    assert "n/a (no_history)" in text_cells(capsys.readouterr().out)["storage per stored message"]
    doc = json.loads(out.read_text())
    cells = next(r for r in doc["rows"] if r["key"] == BACKEND.storage_bytes_per_stored_msg)[
        "cells"
    ]
    assert cells[1] == {
        "run_id": "20261201T220000Z-quickstart-mosquitto-aaaa",
        "value": None,
        "text": "n/a (no_history)",
        "note": "no_history",
    }


def test_the_self_hosted_cost_is_the_cost_commands_per_concurrent_user(
    four_runs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The same figure `imbench cost` prints for the run under the same profile."""
    comparison = build_comparison(loaded(four_runs[:2]))
    assert main(["cost", str(four_runs[0]), "--sheet", "selfhost-aws"]) == exitcodes.OK
    cost_line = next(
        ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("selfhost-aws")
    )
    cell = next(r for r in comparison.rows if r.key == "cost.selfhost-aws.usd_per_ccu_month").cells[
        0
    ]
    assert cell.value is not None and cell.value > 0
    assert cell.text.lstrip("≥ ") in cost_line.split()
    assert "profile default" in comparison.profile_note
    assert "1,000 peak concurrent users" in comparison.profile_note


def text_cells(text: str) -> dict[str, list[str]]:
    """The text table's figure rows: label -> cells (split on the two-space column gaps)."""
    out = {}
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("  ") if p.strip()]
        if len(parts) >= 3:
            out[parts[0]] = parts[1:]
    return out


def test_csv_and_json_carry_the_figures_of_the_text_table(
    four_runs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path, json_path = tmp_path / "out" / "cmp.csv", tmp_path / "out" / "cmp.json"
    argv = ["compare", *map(str, four_runs), "--csv", str(csv_path), "--json", str(json_path)]
    assert main(argv) == exitcodes.OK
    printed = capsys.readouterr().out
    assert f"wrote {csv_path}" in printed and f"wrote {json_path}" in printed
    table = text_cells(printed)
    doc = json.loads(json_path.read_text())
    sheet = list(csv.reader(io.StringIO(csv_path.read_text())))
    by_key = {line[0]: line for line in sheet}
    assert sheet[0][3:] == [r["run_id"] for r in doc["runs"]]
    assert by_key["scenario_sha256"][3:] == [SHA, SHA, "9c" * 32, SHA]
    assert by_key["status"][3:] == ["ok", "ok", "ok", "invalid"]
    assert by_key["marks"][3:] == ["", "", "OTHER-SCENARIO OTHER-HOST", "INVALID"]
    assert len(doc["rows"]) == len(HEADLINE) + 3
    for row in doc["rows"]:
        texts = [c["text"] for c in row["cells"]]
        assert table[row["label"]] == texts, row["key"]
        for cell, csv_cell in zip(row["cells"], by_key[row["key"]][3:], strict=True):
            if cell["value"] is None:
                assert cell["text"].startswith("n/a") and csv_cell == cell["text"]
                continue
            assert float(csv_cell) == cell["value"]
            if row["unit"] != "USD/ccu_month":
                assert amount(cell["value"], row["unit"]) == cell["text"]
    assert [r["marks"] for r in doc["runs"]][3][0]["mark"] == "INVALID"


def test_runs_are_resolved_as_show_resolves_them_by_prefix(
    four_runs: list[Path], results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["compare", "20261201T2137", "20261201T22", "--results-dir", str(results)]
    assert main(argv) == exitcodes.OK
    out = capsys.readouterr().out
    assert "#1  20261201T213716Z-quickstart-embedded-f19d" in out
    assert "#2  20261201T220000Z-quickstart-mosquitto-aaaa" in out


def test_a_run_that_cannot_be_resolved_is_bad_input_naming_it(
    four_runs: list[Path], results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "never.csv"
    argv = [
        "compare",
        str(four_runs[0]),
        "2026nope",
        "--results-dir",
        str(results),
        "--csv",
        str(out),
    ]
    assert main(argv) == exitcodes.BAD_INPUT
    err = capsys.readouterr().err
    assert "imbench compare" in err and "RUN = '2026nope'" in err, err
    assert not out.exists()
    ambiguous = ["compare", str(four_runs[0]), "2026120", "--results-dir", str(results)]
    assert main(ambiguous) == exitcodes.BAD_INPUT
    assert "matches 4 runs" in capsys.readouterr().err


def test_fewer_than_two_runs_is_an_argument_error(four_runs: list[Path]) -> None:
    done = subprocess.run(
        [*IMBENCH, "compare", str(four_runs[0])], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == exitcodes.BAD_INPUT
    assert "usage: imbench compare" in done.stderr and "RUN" in done.stderr


def test_a_report_of_two_runs_renders_the_same_comparison(
    four_runs: list[Path], tmp_path: Path
) -> None:
    pair = [four_runs[0], four_runs[2]]
    comparison = build_comparison(loaded(pair))
    files = write_report(pair, tmp_path / "both.html")
    html = files.html.read_text()
    section = html[html.index('id="compare"') : html.index('id="compare-every"')]
    for row in comparison.rows:
        found = section.index(f'data-key="{row.key}"')
        tr = section[found : section.index("</tr>", found)]
        for cell in row.cells:
            assert cell.text.replace("≥", "&ge;") in tr or cell.text in tr, (row.key, cell.text)
    assert comparison.legend()
    for line in comparison.legend():
        assert escape(line) in section
    md = files.markdown.read_text()
    assert "OTHER-SCENARIO" in md and "9c9c9c9c9c9c" in md


@pytest.mark.slow
@needs_root
def test_a_real_run_compared_with_a_copy_of_itself_shows_every_figure_as_the_same_scenario(
    tmp_path: Path, scenario_file: Callable[..., Path], leaves_nothing_behind: None
) -> None:
    """One real short run of the embedded backend; a copy of its folder stands for a second run
    of the same scenario (same sha256, same host), and a hand-made run for another scenario."""
    results = tmp_path / "results"
    done = subprocess.run(
        [
            *IMBENCH,
            "run",
            str(scenario_file(duration_s=4, ramp_s=1)),
            "--results-dir",
            str(results),
            "--quiet",
            "--no-cost",
            "--no-report",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=180,
    )
    assert done.returncode == exitcodes.OK, done.stderr
    (real,) = [p for p in results.iterdir() if p.is_dir()]
    copy = results / (real.name[:-4] + "copy")
    shutil.copytree(real, copy)
    manifest = json.loads((real / "manifest.json").read_text())
    other = write_run(
        results, "20261201T230000Z-bigger-embedded-bbbb", sha="9c" * 32, host=manifest["host"]
    )
    out = tmp_path / "cmp.json"
    shown = subprocess.run(
        [
            *IMBENCH,
            "compare",
            real.name,
            copy.name,
            str(other),
            "--results-dir",
            str(results),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert shown.returncode == exitcodes.OK, shown.stderr
    doc = json.loads(out.read_text())
    assert doc["runs"][0]["scenario_sha256"] == manifest["scenario_sha256"] != ""
    assert doc["runs"][0]["backend_version"] == manifest["backend"]["version"]
    assert [[m["mark"] for m in r["marks"]] for r in doc["runs"]] == [[], [], ["OTHER-SCENARIO"]]
    summary = read_summary(real)
    table = text_cells(shown.stdout)
    for row in doc["rows"]:
        real_cell, copy_cell, _ = row["cells"]
        assert real_cell["value"] is not None, (row["key"], real_cell)  # every figure measured
        assert real_cell["text"] == copy_cell["text"] == table[row["label"]][0]
    for item in HEADLINE:
        figure = summary.metrics[item.name]
        row = next(r for r in doc["rows"] if r["key"] == item.ref)
        assert row["cells"][0]["value"] == figure.statistic(item.stat)
    assert "#3 OTHER-SCENARIO" in shown.stdout


def test_a_failed_run_without_figures_reads_na_in_every_row_and_says_why_it_has_no_cost(
    results: Path,
) -> None:
    ok = write_run(results, "20261201T213716Z-quickstart-embedded-f19d")
    failed = write_run(
        results,
        "20261201T220000Z-quickstart-embedded-dead",
        status=RunStatus.FAILED,
        reasons=("backend embedded exited unexpectedly",),
        metrics={},
    )
    comparison = build_comparison(loaded([ok, failed]))
    figure_rows = [r for r in comparison.rows if not r.key.startswith("cost.")]
    assert [r.cells[1].text for r in figure_rows] == ["n/a"] * len(HEADLINE)
    assert all(r.cells[0].value is not None for r in figure_rows)
    costs = {r.key: r.cells[1] for r in comparison.rows if r.key.startswith("cost.")}
    assert (
        costs["cost.selfhost-gcp.usd_per_ccu_month"].text == "n/a (nothing it bills was measured)"
    )
    assert comparison.legend(["#1", "#2"]) == [
        "#2 FAILED: the backend (or one of its processes) died or could not start "
        "(backend embedded exited unexpectedly)"
    ]
