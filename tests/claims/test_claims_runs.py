"""The claims gate on real runs: the embedded backend in its namespace, real Locust generators, the
`imbench` command as a subprocess for every exit code. One module-scoped lab runs a baseline, a
rerun and a run of a backend made to do more work per message (IMBENCH_EMBEDDED_EXTRA_WORK_US),
and the checks of issue 9 read them; a few short runs of their own cover the invalid run, the
missing metric and the misspelt one. Heavy: run it under the shared lock on a busy machine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree
from markdown_it import MarkdownIt

from harness.claims.blocks import MIN_BLOCKS
from harness.kernel import exitcodes
from tests.conftest import IMBENCH, small_scenario

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = etree.XMLSchema(etree.parse(str(ROOT / "tests" / "fixtures" / "junit-10.xsd")))
pytestmark = pytest.mark.slow

STEADY_S = 30  # six 5 s blocks a run: enough for a rank test to be significant, within budget
GEN_CPU = "generator.cpu_core_s_per_1k_msgs"
EXTRA_WORK_US = 300
"""CPU the heavier backend spins per accepted message: about +90 % CPU per delivery here."""

VENDOR = """\
[claims]
title = "vendor figures"

[[claim]]
expr = "chat.e2e_latency_ms.p99 < 250"
name = "chat p99 under 250 ms"
source = "https://vendor.example/sla"

[[claim]]
expr = "messaging.delivery_ratio >= 0.99"

[[claim]]
expr = "chat.e2e_latency_ms.p50 < 0.001"
name = "made to fail: a microsecond median"

[[claim]]
expr = "cost.zegocloud-chat.usd_per_ccu_month < 5"

[[claim]]
expr = "cost.selfhost-aws.usd_per_1k_msgs < 1"
"""

REGRESSIONS = """\
[claims]
title = "no regression"

[[claim]]
expr = "backend.cpu_core_s_per_1k_delivered_msgs <= baseline + 10%"

[[claim]]
expr = "wire.bytes_per_delivered_msg <= baseline + 10%"

[[claim]]
expr = "backend.storage_bytes_per_stored_msg <= baseline + 10%"

[[claim]]
expr = "messaging.e2e_latency_ms.p50 <= baseline + 10%"
"""


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    def verdicts(self, folder: Path) -> dict[str, dict[str, object]]:
        doc = json.loads((folder / "claims.json").read_text())
        return {c["expr"]: c for c in doc["claims"]}


def imbench(*args: str, extra_env: dict[str, str] | None = None) -> Ran:
    env = {**os.environ, **(extra_env or {})}
    done = subprocess.run(
        [*IMBENCH, *args], capture_output=True, text=True, cwd=ROOT, timeout=240, env=env
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def newest_run(results: Path) -> Path:
    runs = sorted(p for p in results.iterdir() if (p / "manifest.json").is_file())
    return runs[-1]


@dataclass(frozen=True)
class Lab:
    dir: Path
    results: Path
    scenario: Path
    regressions: Path
    first: Ran
    first_run: Path
    rerun: Ran
    rerun_run: Path
    heavy: Ran
    heavy_run: Path


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    here = tmp_path_factory.mktemp("claims-lab")
    results = here / "results"
    scenario = here / "claims.toml"
    scenario.write_text(small_scenario(name="claims", duration_s=STEADY_S, ramp_s=2))
    (here / "vendor.toml").write_text(VENDOR)
    (here / "regressions.toml").write_text(REGRESSIONS)
    run = ("run", str(scenario), "--results-dir", str(results), "--quiet", "--no-cost")
    first = imbench(
        *run,
        "--claims", str(here / "vendor.toml"),
        "--junit", str(here / "first.xml"),
        "--markdown", str(here / "first.md"),
    )  # fmt: skip
    first_run = newest_run(results)
    saved = imbench("baseline", "save", first_run.name, "base", "--results-dir", str(results))
    assert saved.code == 0, saved.err
    against = ("--claims", str(here / "regressions.toml"), "--baseline", "base")
    rerun = imbench(*run, *against)
    rerun_run = newest_run(results)
    heavy = imbench(
        *run, *against, extra_env={"IMBENCH_EMBEDDED_EXTRA_WORK_US": str(EXTRA_WORK_US)}
    )
    heavy_run = newest_run(results)
    yield Lab(
        here, results, scenario, here / "regressions.toml",
        first, first_run, rerun, rerun_run, heavy, heavy_run,
    )  # fmt: skip


def summary(folder: Path) -> dict[str, dict[str, float]]:
    metrics: dict[str, dict[str, float]] = json.loads((folder / "summary.json").read_text())[
        "metrics"
    ]
    return metrics


# --- a claim made to fail -----------------------------------------------------------------------


def test_a_claim_made_to_fail_exits_99_with_the_observed_and_claimed_sentence(lab: Lab) -> None:
    assert lab.first.code == exitcodes.CLAIMS_FAILED, lab.first.out + lab.first.err
    p50 = summary(lab.first_run)["chat.e2e_latency_ms"]
    sentence = f"Observed {p50['p50']:,.6g} ms (p50, n = {int(p50['n']):,}); claimed < 0.001 ms."
    assert "  FAIL          chat.e2e_latency_ms.p50 < 0.001\n" in lab.first.out
    assert sentence in lab.first.out
    verdicts = lab.first.verdicts(lab.first_run)
    assert verdicts["chat.e2e_latency_ms.p50 < 0.001"]["outcome"] == "fail"
    assert verdicts["chat.e2e_latency_ms.p99 < 250"]["outcome"] == "pass"
    assert verdicts["messaging.delivery_ratio >= 0.99"]["outcome"] == "pass"
    assert "5 claims: 3 passed, 1 failed, 1 inconclusive → exit 99" in lab.first.out


def test_a_cost_claim_is_priced_as_imbench_cost_prices_the_run(lab: Lab) -> None:
    verdicts = lab.first.verdicts(lab.first_run)
    done = imbench(
        "cost", str(lab.first_run), "--sheet", "zegocloud-chat", "--sheet", "selfhost-aws"
    )
    assert done.code == 0, done.err
    priced = json.loads((lab.first_run / "cost.json").read_text())
    rows = {r["sheet"]: r for r in priced["rows"]}
    bills = {b["sheet"]: b for b in priced["bills"]}
    zego = verdicts["cost.zegocloud-chat.usd_per_ccu_month < 5"]
    assert zego["outcome"] == "pass"
    assert zego["observed"] == pytest.approx(float(rows["zegocloud-chat"]["usd_per_ccu_month"]))
    aws = verdicts["cost.selfhost-aws.usd_per_1k_msgs < 1"]
    assert bills["selfhost-aws"]["coverage"] == "partial"
    assert aws["outcome"] == "inconclusive"  # a lower bound under a ceiling settles nothing
    assert "a lower bound cannot settle it" in str(aws["sentence"])


def test_the_junit_xml_of_a_real_run_validates_against_the_jenkins_schema(lab: Lab) -> None:
    document = etree.parse(str(lab.dir / "first.xml"))
    assert SCHEMA.validate(document), SCHEMA.error_log
    suite = document.getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "1", "1")
    failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failed == ["made to fail: a microsecond median"]


def test_the_markdown_of_a_real_run_renders_as_a_table(lab: Lab) -> None:
    html = MarkdownIt("commonmark").enable("table").render((lab.dir / "first.md").read_text())
    tree = etree.fromstring(f"<b>{html}</b>".encode(), etree.HTMLParser(encoding="utf-8"))
    (table,) = tree.findall(".//table")
    outcomes = [row.findall("td")[2].text for row in table.findall(".//tbody/tr")]
    assert outcomes == ["pass", "pass", "fail", "pass", "inconclusive"]


# --- baselines and regressions ------------------------------------------------------------------


def test_a_rerun_passes_10pct_bounds_on_cpu_wire_storage_and_latency(lab: Lab) -> None:
    assert lab.rerun.code == exitcodes.OK, lab.rerun.out + lab.rerun.err
    verdicts = lab.rerun.verdicts(lab.rerun_run)
    assert {e: v["outcome"] for e, v in verdicts.items()} == dict.fromkeys(verdicts, "pass")
    assert len(verdicts) == 4
    cpu = verdicts["backend.cpu_core_s_per_1k_delivered_msgs <= baseline + 10%"]
    comparison = cpu["comparison"]
    assert isinstance(comparison, dict)
    assert min(comparison["blocks"]) >= MIN_BLOCKS
    for timed in (cpu, verdicts["messaging.e2e_latency_ms.p50 <= baseline + 10%"]):
        # read in units of the host's speed: the generator's CPU per message, run and baseline
        host = summary(lab.rerun_run)[GEN_CPU]["value"] / summary(lab.first_run)[GEN_CPU]["value"]
        assert timed["comparison"]["host_change"] == pytest.approx(host - 1, abs=0.05)
        assert "each over the generator's CPU per message in the block" in timed["sentence"]
    wire = verdicts["wire.bytes_per_delivered_msg <= baseline + 10%"]
    assert "comparison" not in wire  # a whole-run figure: compared directly
    assert wire["observed"] == summary(lab.rerun_run)["wire.bytes_per_delivered_msg"]["value"]
    assert wire["baseline"] == summary(lab.first_run)["wire.bytes_per_delivered_msg"]["value"]


def test_a_backend_that_costs_30pct_more_per_message_fails_the_cpu_claim_with_a_significant_p(
    lab: Lab,
) -> None:
    manifest = json.loads((lab.heavy_run / "manifest.json").read_text())
    assert manifest["backend"]["config"]["extra_work_per_msg_us"] == EXTRA_WORK_US
    cpu = "backend.cpu_core_s_per_1k_delivered_msgs"
    heavier = summary(lab.heavy_run)[cpu]["value"] / summary(lab.first_run)[cpu]["value"]
    assert heavier >= 1.3  # the test option really makes the backend cost ≥ 30 % more
    assert lab.heavy.code == exitcodes.CLAIMS_FAILED, lab.heavy.out + lab.heavy.err
    verdicts = lab.heavy.verdicts(lab.heavy_run)
    claim = verdicts[f"{cpu} <= baseline + 10%"]
    assert claim["outcome"] == "fail"
    comparison = claim["comparison"]
    assert isinstance(comparison, dict)
    assert comparison["p_beyond_bound"] < 0.05
    host = summary(lab.heavy_run)[GEN_CPU]["value"] / summary(lab.first_run)[GEN_CPU]["value"]
    assert comparison["host_change"] == pytest.approx(host - 1, abs=0.05)
    assert comparison["change"] == pytest.approx(heavier / host - 1, abs=0.15)
    assert f"p(beyond +10.0%) = {comparison['p_beyond_bound']:.2g}" in str(claim["sentence"])
    for unchanged in ("wire.bytes_per_delivered_msg", "backend.storage_bytes_per_stored_msg"):
        assert verdicts[f"{unchanged} <= baseline + 10%"]["outcome"] == "pass"


def test_check_of_a_stored_run_gives_the_verdicts_the_run_gave(lab: Lab) -> None:
    args = ("check", str(lab.regressions), lab.heavy_run.name, "--baseline", "base")
    done = imbench(*args, "--results-dir", str(lab.results), "--json")
    assert done.code == exitcodes.CLAIMS_FAILED, done.err
    again = {c["expr"]: c["outcome"] for c in json.loads(done.out)["claims"]}
    ran = {e: v["outcome"] for e, v in lab.heavy.verdicts(lab.heavy_run).items()}
    assert again == ran


def test_a_baseline_is_never_overwritten_silently(lab: Lab) -> None:
    results = ("--results-dir", str(lab.results))
    taken = imbench("baseline", "save", lab.rerun_run.name, "base", *results)
    assert taken.code == exitcodes.BAD_INPUT
    assert (
        f"is taken (baseline of run {lab.first_run.name}); choose another name, or --replace"
        in taken.err
    )
    record = json.loads((lab.results / "baselines" / "base" / "baseline.json").read_text())
    assert record["run_id"] == lab.first_run.name
    other = imbench("baseline", "save", lab.rerun_run.name, "second", *results)
    assert other.code == exitcodes.OK, other.err
    kept = lab.results / "baselines" / "second"
    assert {p.name for p in kept.iterdir()} >= {
        "manifest.json", "summary.json", "baseline.json", "samples.parquet", "deliveries.parquet",
    }  # fmt: skip
    listing = imbench("baseline", "list", *results)
    assert f"second  baseline second (run {lab.rerun_run.name})" in listing.out


def test_cpu_and_latency_against_a_baseline_from_another_host_are_inconclusive(lab: Lab) -> None:
    elsewhere = lab.dir / "elsewhere"
    shutil.copytree(lab.results / "baselines" / "base", elsewhere)
    manifest = json.loads((elsewhere / "manifest.json").read_text())
    manifest["host"]["hostname"] = "another-host"
    (elsewhere / "manifest.json").write_text(json.dumps(manifest))
    args = ("check", str(lab.regressions), str(lab.rerun_run), "--baseline", str(elsewhere))
    done = imbench(*args, "--json")
    assert done.code == exitcodes.CLAIMS_INCONCLUSIVE, done.out + done.err
    verdicts = {c["expr"]: c for c in json.loads(done.out)["claims"]}
    for host_bound in ("backend.cpu_core_s_per_1k_delivered_msgs", "messaging.e2e_latency_ms.p50"):
        verdict = verdicts[f"{host_bound} <= baseline + 10%"]
        assert verdict["outcome"] == "inconclusive"
        assert "ran on another host (hostname 'another-host' ≠" in verdict["sentence"]
    assert verdicts["wire.bytes_per_delivered_msg <= baseline + 10%"]["outcome"] == "pass"


# --- runs of their own --------------------------------------------------------------------------

IDLE = """\
[scenario]
name = "idle"
duration_s = 2
ramp_s = 0
drain_s = 1

[network]
mode = "loopback"

[[workload]]
kind = "chat"
users = 2
send_rate_per_user_hz = 0.001
"""


def test_a_run_marked_invalid_never_passes(tmp_path: Path) -> None:
    """Nothing is sent, so nothing was owed: the run is invalid, and a claim its figures would
    satisfy (no message lost) is inconclusive, as is every other."""
    (tmp_path / "idle.toml").write_text(IDLE)
    (tmp_path / "claims.toml").write_text(
        '[[claim]]\nexpr = "messaging.lost <= 0"\n\n[[claim]]\nexpr = "chat.e2e_latency_ms.p99 < 250"\n'
    )
    results = tmp_path / "results"
    done = imbench(
        "run", str(tmp_path / "idle.toml"), "--results-dir", str(results), "--no-cost", "--quiet",
        "--claims", str(tmp_path / "claims.toml"),
    )  # fmt: skip
    assert done.code == exitcodes.RUN_INVALID, done.out + done.err
    folder = newest_run(results)
    assert summary(folder)["messaging.lost"]["value"] == 0  # the figure alone would pass
    verdicts = done.verdicts(folder)
    assert [v["outcome"] for v in verdicts.values()] == ["inconclusive", "inconclusive"]
    assert all("an invalid run passes nothing" in str(v["sentence"]) for v in verdicts.values())


LACKING = """\
[scenario]
name = "lacking"
duration_s = 4
ramp_s = 1
drain_s = 1

[[workload]]
kind = "chat"
users = 20
send_rate_per_user_hz = 4.0

[[workload]]
kind = "group"
users = 2
room_size = 2
send_rate_per_user_hz = 0.0001
"""


def test_a_claim_on_a_metric_the_run_lacks_is_inconclusive_and_a_failure_outranks_it(
    tmp_path: Path,
) -> None:
    """The scenario has a group workload, so group figures are claimable; at one message per
    10,000 s none is sent, so the run has none: inconclusive, never a pass."""
    (tmp_path / "lacking.toml").write_text(LACKING)
    claims = tmp_path / "claims.toml"
    claims.write_text(
        '[[claim]]\nexpr = "group.e2e_latency_ms.p99 < 250"\n\n'
        '[[claim]]\nexpr = "chat.e2e_latency_ms.p99 < 250"\n'
    )
    results = tmp_path / "results"
    done = imbench(
        "run", str(tmp_path / "lacking.toml"), "--results-dir", str(results), "--no-cost",
        "--quiet", "--claims", str(claims),
    )  # fmt: skip
    assert done.code == exitcodes.CLAIMS_INCONCLUSIVE, done.out + done.err
    folder = newest_run(results)
    assert "group.e2e_latency_ms" not in summary(folder)
    verdicts = done.verdicts(folder)
    group = verdicts["group.e2e_latency_ms.p99 < 250"]
    assert group["outcome"] == "inconclusive"
    assert "No figure: the run produced no group.e2e_latency_ms" in str(group["sentence"])
    assert verdicts["chat.e2e_latency_ms.p99 < 250"]["outcome"] == "pass"
    claims.write_text(
        claims.read_text() + '\n[[claim]]\nexpr = "chat.e2e_latency_ms.p99 < 0.001"\n'
    )
    judged = imbench("check", str(claims), str(folder))
    assert judged.code == exitcodes.CLAIMS_FAILED, judged.out + judged.err
    assert "3 claims: 1 passed, 1 failed, 1 inconclusive → exit 99 (claims failed)" in judged.out


def test_a_misspelt_metric_is_exit_2_before_any_load_starts(tmp_path: Path) -> None:
    scenario = tmp_path / "small.toml"
    scenario.write_text(small_scenario(name="small", duration_s=60, ramp_s=2))
    claims = tmp_path / "claims.toml"
    claims.write_text(
        '[[claim]]\nexpr = "chat.e2e_latncy_ms.p99 < 250"\n\n'
        '[[claim]]\nexpr = "video.recv_mbps_per_stream.min >= 1.4"\n\n'
        '[[claim]]\nexpr = "backend.cpu_core_s_per_1k_delivered_msgs <= baseline + 10%"\n'
    )
    results = tmp_path / "results"
    done = imbench("run", str(scenario), "--results-dir", str(results), "--claims", str(claims))
    assert done.code == exitcodes.BAD_INPUT, done.out + done.err
    assert not results.exists()  # no run folder: nothing started
    assert "imbench: 3 problems:" in done.err
    assert f"{claims}: claim[0].expr = 'chat.e2e_latncy_ms.p99 < 250': unknown metric" in done.err
    assert "did you mean 'chat.e2e_latency_ms.p99'" in done.err
    assert "claim[1].expr" in done.err and "cannot produce video.recv_mbps_per_stream" in done.err
    assert "claim[2].expr" in done.err and "needs a baseline" in done.err
    assert "Traceback" not in done.err
