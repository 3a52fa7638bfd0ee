"""Claims files (harness.claims.claimsfile) checked against the registry, a real scenario, the
shipped price sheets and whether a baseline is given: each mistake is bad input naming the file,
the claim's field, the value and what is accepted — every one of them at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.claims.claimsfile import load_claims
from harness.claims.evidence import target_of
from harness.claims.validate import CostRef, MetricRef, Target
from harness.kernel import exitcodes
from harness.kernel.errors import BadInput
from harness.scenario import load_scenario


@pytest.fixture
def messaging(scenario_file: Callable[..., Path]) -> Target:
    """A chat + group scenario (tests/conftest.py), no baseline given."""
    return target_of(load_scenario(scenario_file()), baseline=False)


def _file(tmp_path: Path, *exprs: str, head: str = "") -> Path:
    path = tmp_path / "claims.toml"
    body = "".join(f'[[claim]]\nexpr = "{e}"\n\n' for e in exprs)
    path.write_text(head + body)
    return path


def _problems(path: Path, target: Target) -> list[str]:
    with pytest.raises(BadInput) as err:
        load_claims(path, target)
    assert err.value.exit_code == exitcodes.BAD_INPUT
    assert all(p.source == str(path) for p in err.value.problems)
    return [str(p).removeprefix(f"{path}: ") for p in err.value.problems]


@pytest.mark.parametrize(
    ("case", "expr", "says"),
    [
        (
            "a misspelt metric is named with the reference it resembles",
            "chat.e2e_latncy_ms.p99 < 250",
            "claim[0].expr = 'chat.e2e_latncy_ms.p99 < 250': unknown metric "
            "'chat.e2e_latncy_ms.p99'; did you mean 'chat.e2e_latency_ms.p99'",
        ),
        (
            "a statistic the metric does not carry lists the ones it does",
            "chat.e2e_latency_ms.p90 < 250",
            "chat.e2e_latency_ms carries no statistic 'p90': its statistics are min, p50, p95, "
            "p99, max, mean",
        ),
        (
            "a distribution named without a statistic asks for one",
            "chat.e2e_latency_ms < 250",
            "chat.e2e_latency_ms is a distribution: name one of its statistics, "
            "e.g. chat.e2e_latency_ms.p99",
        ),
        (
            "a value addressed with a statistic is shown how to claim it",
            "messaging.delivery_ratio.p99 >= 0.999",
            "messaging.delivery_ratio is a single value with no statistic 'p99': claim "
            "messaging.delivery_ratio",
        ),
        (
            "a spread value offers its spread",
            "backend.cpu_core_s_per_1k_delivered_msgs.p90 < 1",
            "claim backend.cpu_core_s_per_1k_delivered_msgs or "
            "backend.cpu_core_s_per_1k_delivered_msgs.p25 or backend.cpu_core_s_per_1k_delivered_msgs.p75",
        ),
        (
            "a video claim on a chat and group scenario cannot be produced",
            "video.recv_mbps_per_stream.min >= 1.4",
            "scenario 'small' (chat, group) cannot produce video.recv_mbps_per_stream: it comes "
            "from video workloads",
        ),
        (
            "a regression claim needs a baseline",
            "wire.bytes_per_delivered_msg <= baseline + 10%",
            "a regression claim needs a baseline: pass --baseline RUN|NAME",
        ),
        (
            "a malformed expression is bad input too",
            "chat.e2e_latency_ms.p99 == 250",
            "'==' is not accepted",
        ),
        (
            "an unknown sheet is named with the shipped one it resembles",
            "cost.agora-rct.usd_per_ccu_month < 0.40",
            "unknown price sheet 'agora-rct'; did you mean 'agora-rtc'",
        ),
        (
            "an unknown cost figure lists the figures",
            "cost.agora-rtc.usd_per_user < 0.40",
            "unknown cost figure 'usd_per_user'",
        ),
        (
            "a per-message cost is not given for a real-time media sheet",
            "cost.agora-rtc.usd_per_1k_msgs < 0.40",
            "agora-rtc is a rtc sheet: usd_per_1k_msgs is given only for chat, signaling, pubsub, "
            "selfhost sheets",
        ),
    ],
)
def test_a_claim_that_cannot_be_judged_is_bad_input_naming_it(
    tmp_path: Path, messaging: Target, case: str, expr: str, says: str
) -> None:
    (problem,) = _problems(_file(tmp_path, expr), messaging)
    assert problem.startswith(f"claim[0].expr = {expr!r}: ")
    assert says in problem


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path, messaging: Target) -> None:
    path = tmp_path / "claims.toml"
    path.write_text(
        '[claims]\ntitel = "x"\n\n'
        '[[claim]]\nexpr = "chat.e2e_latncy_ms.p99 < 250"\n\n'
        '[[claim]]\nexpr = "messaging.delivery_ratio >= 0.999"\n\n'
        '[[claim]]\nexrp = "video.fps_per_stream.min > 20"\n\n'
        '[[claim]]\nexpr = "video.fps_per_stream.min > 20"\n'
    )
    problems = _problems(path, messaging)
    assert len(problems) == 4, problems
    assert problems[0].startswith("claims.titel = 'x': unknown key (did you mean title?)")
    assert (
        "claim[0].expr" in problems[1] and "did you mean 'chat.e2e_latency_ms.p99'" in problems[1]
    )
    assert problems[2].startswith("claim[2].exrp = 'video.fps_per_stream.min > 20': unknown key")
    assert "did you mean expr? expr is required and missing" in problems[2]
    assert (
        problems[3].startswith("claim[3].expr")
        and "cannot produce video.fps_per_stream" in problems[3]
    )


def test_a_file_without_claims_says_what_it_needs(tmp_path: Path, messaging: Target) -> None:
    path = tmp_path / "claims.toml"
    path.write_text('[claims]\ntitle = "empty"\n')
    assert _problems(path, messaging) == [
        "claim = None: is required: an array of tables ([[claim]])"
    ]


def test_a_cost_profile_that_is_not_there_is_named_where_it_was_given(
    tmp_path: Path, messaging: Target
) -> None:
    path = _file(
        tmp_path,
        "cost.selfhost-aws.usd_per_1k_msgs < 0.05",
        head='[claims]\nprofile = "profiles/missing.toml"\n\n',
    )
    (problem,) = _problems(path, messaging)
    assert problem.startswith(f"claims.profile = '{tmp_path / 'profiles/missing.toml'}': ")
    assert '"default" or a usage profile file (relative to the claims file)' in problem


def test_a_profile_on_a_metric_claim_is_refused(tmp_path: Path, messaging: Target) -> None:
    path = tmp_path / "claims.toml"
    path.write_text('[[claim]]\nexpr = "messaging.lost <= 0"\nprofile = "default"\n')
    (problem,) = _problems(path, messaging)
    assert problem.startswith("claim[0].profile = 'default': only a cost claim")


def test_a_good_file_resolves_every_claim(
    tmp_path: Path, scenario_file: Callable[..., Path]
) -> None:
    target = target_of(load_scenario(scenario_file()), baseline=True)
    path = tmp_path / "claims.toml"
    path.write_text(
        '[claims]\ntitle = "vendor"\n\n'
        '[[claim]]\nexpr = "chat.e2e_latency_ms.p99 < 250"\nname = "chat p99"\n'
        'source = "https://vendor.example/sla"\n\n'
        '[[claim]]\nexpr = "backend.cpu_core_s_per_1k_delivered_msgs <= baseline + 10%"\n\n'
        '[[claim]]\nexpr = "cost.selfhost-aws.usd_per_1k_msgs < 0.05"\n'
    )
    claims = load_claims(path, target)
    assert claims.title == "vendor" and claims.regression
    first, second, third = claims.claims
    assert (first.name, first.source) == ("chat p99", "https://vendor.example/sla")
    assert isinstance(first.ref, MetricRef) and (first.ref.spec.name, first.ref.stat) == (
        "chat.e2e_latency_ms",
        "p99",
    )
    assert second.name == second.text and second.expression.regression
    assert isinstance(third.ref, CostRef) and third.ref.category == "selfhost"
    assert third.profile is None  # the shipped default


VIDEO_WITH_AUDIO = """\
[scenario]
name = "calls"
duration_s = 10

[[workload]]
kind = "video"
users = 4
room_size = 2
audio_bitrate_kbps = 32
"""


def test_a_video_scenario_can_be_claimed_about_and_counts_its_audio_as_voice(
    tmp_path: Path,
) -> None:
    scenario = tmp_path / "calls.toml"
    scenario.write_text(VIDEO_WITH_AUDIO)
    target = target_of(load_scenario(scenario), baseline=False)
    path = _file(
        tmp_path, "video.recv_mbps_per_stream.min >= 1.4", "voice.recv_mbps_per_stream.p50 > 0.02"
    )
    assert [c.ref.reference for c in load_claims(path, target).claims] == [
        "video.recv_mbps_per_stream.min",
        "voice.recv_mbps_per_stream.p50",
    ]
    problems = _problems(
        _file(tmp_path, "chat.e2e_latency_ms.p99 < 250", "voice.wire_mbps < 1"), target
    )
    assert (
        "scenario 'calls' (video, voice) cannot produce chat.e2e_latency_ms: it comes from chat"
        in problems[0]
    )
    assert (
        "cannot produce voice.wire_mbps: a run with video reports the media path under video.*"
        in problems[1]
    )
