"""`imbench price` and `imbench cost` end to end, in process and as a fresh subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cost_mapping.commands import print_run_costs
from cost_mapping.sheet_load import shipped_ids
from harness.cli import main
from harness.kernel import exitcodes

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
EXAMPLE = ROOT / "cost_mapping" / "profiles" / "quantities_example.toml"
RUN_ID = "20261128T040000Z-quickstart-embedded-3f2a"


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    folder = tmp_path / RUN_ID
    folder.mkdir()
    shutil.copy(FIXTURES / "summary_messaging.json", folder / "summary.json")
    (folder / "manifest.json").write_text(f'{{"run_id": "{RUN_ID}", "status": "ok"}}')
    return folder


def test_price_prints_line_items_with_provenance(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["price", "--sheet", "twilio-video", "--usage", str(EXAMPLE)]) == exitcodes.OK
    out = capsys.readouterr().out
    # 600,000 participant-minutes x $0.004 = $2,400
    assert "$2,400.00  participant minutes: 600,000 minute @ $0.004 per minute" in out
    assert "row twilio-video: meters.participant_minutes" in out
    assert "ref prices.csv: Twilio, Video (Group Rooms), participant minute" in out
    assert (
        "from participant_minutes 600,000 [600,000 minute given in quantities_example.toml]" in out
    )
    assert "evidence seen_3rd_party" in out


def test_price_accepts_several_sheets_and_sheet_files(capsys: pytest.CaptureFixture[str]) -> None:
    sheet_file = ROOT / "cost_mapping" / "sheets" / "daily.toml"
    args = ["price", "--sheet", "agora-rtc", "--sheet", str(sheet_file), "--usage", str(EXAMPLE)]
    assert main(args) == exitcodes.OK
    out = capsys.readouterr().out
    assert "[agora-rtc]" in out and "[daily]" in out


def test_a_bad_sheet_is_exit_code_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    bad = Path(__file__).parent / "fixtures" / "bad_sheets" / "negative_rate.toml"
    assert main(["price", "--sheet", str(bad), "--usage", str(EXAMPLE)]) == exitcodes.BAD_INPUT
    assert "meters[0].rate = -0.05: must be a number >= 0" in capsys.readouterr().err


def test_cost_prints_the_side_by_side_table_and_writes_csv_and_json(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cost", str(run_dir)]) == exitcodes.OK
    out = capsys.readouterr().out
    assert f"cost of run {RUN_ID} (ok) under profile default" in out
    for column in ("monthly", "/CCU-month", "/MAU", "/1k msgs", "/part-min"):
        assert column in out
    rows = list(csv.DictReader((run_dir / "cost.csv").open()))
    assert {r["sheet"] for r in rows} == set(shipped_ids())
    doc = json.loads((run_dir / "cost.json").read_text())
    assert doc["run_id"] == RUN_ID and doc["profile"] == "default"
    for bill in doc["bills"]:
        for line in bill["lines"]:
            assert line["row"] and line["derivation"] and line["evidence"]


def test_a_messaging_run_shows_video_vendors_as_not_applicable(run_dir: Path) -> None:
    out = io.StringIO()
    print_run_costs(run_dir, None, out)
    table = out.getvalue()
    assert not any(line.startswith("twilio-video ") for line in table.splitlines())
    absent = next(line for line in table.splitlines() if line.startswith("n/a for this run"))
    assert "twilio-video" in absent and "agora-rtc" in absent and "agora-chat" not in absent
    assert f"participant_minutes: run {RUN_ID} has no video figures  [" in table
    footnote = next(line for line in table.splitlines() if "participant_minutes: run" in line)
    assert "twilio-video" in footnote and "vonage-video" in footnote
    rows = {r["sheet"]: r for r in csv.DictReader((run_dir / "cost.csv").open())}
    assert rows["twilio-video"]["monthly_usd"] == "" and rows["twilio-video"]["coverage"] == "none"
    assert rows["agora-chat"]["coverage"] == "complete"
    assert rows["agora-chat"]["monthly_usd"] == "599.000000"  # Starter 349 + 5,000 x 0.05


def test_cost_finds_a_run_by_id_under_results_dir(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["cost", RUN_ID, "--results-dir", str(run_dir.parent), "--sheet", "ably-mau"]
    assert main(args) == exitcodes.OK
    assert "ably-mau" in capsys.readouterr().out


def test_cost_of_an_unknown_run_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cost", "nope", "--results-dir", str(tmp_path)]) == exitcodes.BAD_INPUT
    assert "no run folder by that path, nor a run id under" in capsys.readouterr().err


def test_cost_csv_matches_the_golden_file(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = ["twilio-conversations", "agora-signaling", "selfhost-aws", "twilio-video"]
    args = ["cost", str(run_dir)] + [x for s in sheets for x in ("--sheet", s)]
    assert main(args) == exitcodes.OK
    got = (run_dir / "cost.csv").read_text()
    assert got == (GOLDEN / "cost_messaging.csv").read_text()


def test_a_bad_profile_writes_nothing(run_dir: Path) -> None:
    bad = Path(__file__).parent / "fixtures" / "bad_profiles" / "ccu_above_mau.toml"
    assert main(["cost", str(run_dir), "--profile", str(bad)]) == exitcodes.BAD_INPUT
    assert not (run_dir / "cost.csv").exists()


def test_price_and_cost_run_as_a_fresh_process(run_dir: Path, tmp_path: Path) -> None:
    """From another working directory, so sheets and profile come from the package (this
    checkout's, by PYTHONPATH), not from the working directory."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    price = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "price",
            "--sheet",
            "agora-rtc",
            "--usage",
            str(EXAMPLE),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert price.returncode == exitcodes.OK, price.stderr
    assert "agora-rtc: topups.standard_minutes" in price.stdout
    cost = subprocess.run(
        [sys.executable, "-m", "harness.cli", "cost", str(run_dir)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert cost.returncode == exitcodes.OK, cost.stderr
    assert (run_dir / "cost.json").exists()


def test_a_partial_or_invalid_run_is_flagged_above_the_table(run_dir: Path) -> None:
    data = json.loads((run_dir / "summary.json").read_text())
    data.update(status="invalid", partial=True)
    (run_dir / "summary.json").write_text(json.dumps(data))
    out = io.StringIO()
    print_run_costs(run_dir, None, out)
    assert (
        "warning: run status 'invalid' (partial): its figures may not describe the backend"
        in out.getvalue()
    )


def test_price_can_use_the_shipped_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["price", "--sheet", "vonage-video", "--usage", "example"]) == exitcodes.OK
    # 600,000 participant-minutes x $0.0041 = $2,460
    assert "$2,460.00  total per month" in capsys.readouterr().out


def test_price_can_print_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["price", "--sheet", "ably-mau", "--usage", str(EXAMPLE), "--json"]) == exitcodes.OK
    (bill,) = json.loads(capsys.readouterr().out)
    # 10,000 MAU x $0.05 = $500
    assert (bill["sheet"], bill["total_usd"], bill["evidence"]) == (
        "ably-mau",
        "500.00",
        "seen_vendor",
    )
    assert bill["lines"][0]["ref"] == "prices.csv: Ably, Pub/Sub (MAU model), MAU, 0.05 per MAU"
