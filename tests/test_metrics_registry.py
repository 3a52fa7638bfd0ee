"""The metric registry: sound, complete (every figure a run produces is registered, with its
registered unit), exact about which workload kinds produce what, and strict about unknown names."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from cost_mapping.derive import MEASURED
from harness.analysis import Window
from harness.kernel import records
from harness.kernel.figures import Figure, Stats, parse_figure
from harness.kernel.metric_names import BACKEND, GENERATOR, MESSAGING, VIDEO, VOICE, all_names
from harness.kernel.metrics import (
    REGISTRY,
    SPECS,
    SUMMARY_ROWS,
    Shape,
    UnknownMetric,
    has_statistic,
    lookup,
    producible,
    resolve,
    validate,
)
from harness.kernel.summary import UnderTarget, parse_summary
from harness.media_analysis import relay_metrics
from harness.metrics_doc import DOC, markdown_table, with_table
from harness.scenario import parse_scenario
from harness.summary import RunData, build_metrics, media_under_target, producible_metrics

CHAT, GROUP = records.KIND_CHAT, records.KIND_GROUP
S = 1_000_000_000


def test_the_shipped_registry_is_sound() -> None:
    assert validate(SPECS, SUMMARY_ROWS) == []
    assert len(REGISTRY) == len(SPECS) == 87


ENTRY = REGISTRY[BACKEND.cpu_core_s]


@pytest.mark.parametrize(
    ("case", "broken", "field"),
    [
        ("an entry without a unit", replace(ENTRY, unit=""), "backend.cpu_core_s.unit"),
        ("an entry without a description", replace(ENTRY, brief=""), "backend.cpu_core_s.brief"),
        (
            "a description that is no sentence",
            replace(ENTRY, brief="cpu"),
            "backend.cpu_core_s.brief",
        ),
        ("a name with capitals", replace(ENTRY, name="backend.CPU_s"), "backend.CPU_s.name"),
        ("a name without an area", replace(ENTRY, name="cpu_core_s"), "cpu_core_s.name"),
        ("a unit its name contradicts", replace(ENTRY, unit="ms"), "backend.cpu_core_s.unit"),
        (
            "produced by nothing",
            replace(ENTRY, produced_by=frozenset()),
            "backend.cpu_core_s.produced_by",
        ),
        (
            "a distribution with a spread",
            replace(ENTRY, shape=Shape.DISTRIBUTION, spread=True),
            "backend.cpu_core_s.spread",
        ),
    ],
)
def test_a_broken_entry_fails_validation(case: str, broken: object, field: str) -> None:
    specs = [broken if spec is ENTRY else spec for spec in SPECS]
    assert [p.field for p in validate(specs, SUMMARY_ROWS)] == [field], case


def test_a_name_registered_twice_or_a_summary_row_of_an_unknown_metric_fails_validation() -> None:
    twice = validate([*SPECS, ENTRY])
    assert [p.field for p in twice] == ["backend.cpu_core_s.name"]
    assert "once" in twice[0].accepted
    rows = validate(SPECS, [*SUMMARY_ROWS, ("backend.cpu_sec", "backend CPU")])
    assert [p.field for p in rows] == ["backend.cpu_sec"]


def test_every_name_constant_is_registered_and_every_entry_has_one() -> None:
    assert all_names() == set(REGISTRY)


def test_a_family_template_gives_each_member_its_own_meaning() -> None:
    assert REGISTRY["chat.lost"].brief.endswith("(chat messages only).")
    assert REGISTRY["group.lost"].brief.endswith("(group messages only).")
    assert REGISTRY["voice.loss_ratio"].brief.startswith("Receive voice packets lost")
    assert lookup("group.e2e_latency_ms").unit == lookup("messaging.e2e_latency_ms").unit == "ms"


# A messaging run by hand: users 0 and 1 chat, users 2, 3 and 4 share group room 0.


def messaging_run(kinds: set[int]) -> RunData:
    members = [(0, CHAT, 1), (1, CHAT, 0), (2, GROUP, 0), (3, GROUP, 0), (4, GROUP, 0)]
    events = pd.DataFrame(
        [(t, u, k, tg, e, "") for u, k, tg in members for t, e in ((S, "ready"), (9 * S, "stop"))],
        columns=list(records.EVENT_COLUMNS),
    )
    sent_rows, recv_rows = [], []
    for seq in range(1, 5):
        t = (1 + seq) * S
        for sender, peer in ((0, 1), (1, 0)):
            sent_rows.append((t, t, sender, CHAT, peer, seq, 100, 130))
            recv_rows.append((t + 1_000_000, peer, sender, CHAT, -1, seq, t, 100))
        sent_rows.append((t + S // 2, t + S // 2, 2, GROUP, 0, seq, 200, 230))
        for member, lag in ((3, 1_000_000), (4, 2_000_000)):
            recv_rows.append((t + S // 2 + lag, member, 2, GROUP, 0, seq, t + S // 2, 200))
    sent = pd.DataFrame(sent_rows, columns=list(records.SENT_COLUMNS))
    recv = pd.DataFrame(recv_rows, columns=list(records.RECV_COLUMNS))
    samples = pd.DataFrame(
        [
            row
            for i in range(11)
            for row in (
                {
                    "t_ns": i * S,
                    "source": "backend",
                    "cpu_user_s": 0.05 * i,
                    "cpu_system_s": 0.0,
                    "rss_bytes": 10**6 + 10**4 * i,
                },
                {
                    "t_ns": i * S,
                    "source": "generator-0",
                    "cpu_user_s": 0.1 * i,
                    "cpu_system_s": 0.0,
                    "rss_bytes": 1,
                },
                {"t_ns": i * S, "source": "wire", "rx_bytes": 1000 * i, "tx_bytes": 2000 * i},
                {"t_ns": i * S, "source": "storage", "storage_bytes": 4096 + 100 * i},
            )
        ]
    )
    return RunData(
        sent[sent["kind"].isin(kinds)],
        recv[recv["kind"].isin(kinds)],
        events[events["kind"].isin(kinds)],
        samples,
        pd.DataFrame(),
    )


# A 1:1 call by hand: peers p0 and p1 of generator 0, 10 one-second samples per stream (t = 11..20 s).
# p1 receives p0's video at 1.0 Mbps (under the 1.5 Mbps target); p0 loses 1 video packet a second.


def media_run(video: bool, audio: bool) -> RunData:
    rows, joins = [], []
    for me, other in (("p0", "p1"), ("p1", "p0")):
        for kind, on in (("video", video), ("audio", audio)):
            if not on:
                continue
            for direction, owner in (("send", me), ("recv", other)):
                per_s = 187_500 if kind == "video" else 4_000
                if (me, direction, kind) == ("p1", "recv", "video"):
                    per_s = 125_000
                lost = 1 if (me, direction, kind) == ("p0", "recv", "video") else 0
                stream = f"{owner}/{kind}"
                for t in range(11, 21):
                    rows.append(
                        {
                            "peer": me,
                            "stream": stream,
                            "direction": direction,
                            "kind": kind,
                            "codec": "vp8" if kind == "video" else "opus",
                            "t_s": float(t),
                            "interval_s": 1.0,
                            "payload_bytes": per_s,
                            "packets": 150 if kind == "video" else 50,
                            "packets_lost": lost,
                            "frames_per_s": 30.0 if kind == "video" else 50.0,
                            "jitter_ms": 1.0 if direction == "recv" else None,
                            "rtt_ms": 0.5,
                            "generator": 0,
                            "target_mbps": 1.5 if kind == "video" else 0.0,
                        }
                    )
                joins.append(
                    {
                        "peer": me,
                        "stream": stream,
                        "direction": direction,
                        "kind": kind,
                        "join_ms": 100.0,
                        "first_frame_ms": 150.0 if direction == "recv" else None,
                    }
                )
    samples = pd.DataFrame(
        [
            row
            for t in range(10, 21)
            for row in (
                {"t_ns": t * S, "source": "wire", "rx_bytes": 100_000 * t, "tx_bytes": 150_000 * t},
                {"t_ns": t * S, "source": "sfu", "cpu_user_s": 0.1 * t, "cpu_system_s": 0.0},
                {"t_ns": t * S, "source": "media-0", "cpu_user_s": 0.2 * t, "cpu_system_s": 0.0},
            )
        ]
    )
    empty = pd.DataFrame()
    return RunData(empty, empty, empty, samples, empty, pd.DataFrame(rows), pd.DataFrame(joins))


MEDIA_WINDOW = Window(0, 25 * S, 30 * S)


def names_of(kinds: list[str], turn: bool = False) -> set[str]:
    return {spec.name for spec in producible(kinds, turn)}


def assert_registered(metrics: dict[str, Figure]) -> None:
    for name, figure in metrics.items():
        assert name == figure.name and figure.unit == REGISTRY[name].unit, name
        assert parse_figure("summary.json", name, figure.to_json()) == (figure, []), name


@pytest.mark.parametrize(
    ("kinds", "workloads"),
    [({CHAT}, ["chat"]), ({GROUP}, ["group"]), ({CHAT, GROUP}, ["chat", "group"])],
)
def test_a_messaging_run_produces_exactly_the_registered_figures_of_its_kinds(
    kinds: set[int], workloads: list[str]
) -> None:
    metrics = build_metrics(messaging_run(kinds), Window(0, 8 * S, 10 * S))
    assert_registered(metrics)
    assert set(metrics) == names_of(workloads)


@pytest.mark.parametrize(
    ("video", "audio", "workloads"),
    [
        (True, False, ["video"]),
        (False, True, ["voice"]),
        (True, True, ["video", "voice"]),  # a video workload with an audio track
    ],
)
def test_a_media_run_produces_exactly_the_registered_figures_of_its_kinds(
    video: bool, audio: bool, workloads: list[str]
) -> None:
    metrics = build_metrics(media_run(video, audio), MEDIA_WINDOW)
    assert_registered(metrics)
    assert set(metrics) == names_of(workloads)


def test_turn_relay_figures_are_registered_and_only_produced_with_turn() -> None:
    relay = relay_metrics(1_000_000_000, 3600.0, 2)
    assert_registered(relay)
    assert set(relay) == names_of(["video"], turn=True) - names_of(["video"])
    assert relay["turn.relay_mbps_mean"].value == pytest.approx(8e9 / 3600 / 1e6, rel=1e-5)
    assert relay["turn.relay_gb_per_participant_hour"].value == 0.5


def test_media_figures_match_the_hand_worked_call() -> None:
    data = media_run(video=True, audio=True)
    m = build_metrics(data, MEDIA_WINDOW)
    assert m[VIDEO.recv_streams].value == 2 and m[VOICE.recv_streams].value == 2
    assert m[VIDEO.recv_mbps_per_stream].stats == Stats(1.0, 1.25, 1.475, 1.495, 1.5, 1.25)
    assert m[VIDEO.streams_under_target].value == 1 and m[VIDEO.target_mbps].value == 1.5
    assert media_under_target(data, MEDIA_WINDOW, 0.0) == [
        UnderTarget("media-0/p1", "p0/video", 1.0, 1.5)
    ]
    assert m[VIDEO.packets_lost].value == 10
    assert m[VIDEO.loss_ratio].value == pytest.approx(10 / 3010, rel=1e-5)
    # veth: 250,000 B/s both ways = 2.0 Mbps over 8 streams (4 video, 4 audio) and 2 participants
    assert m[VIDEO.wire_mbps].value == 2.0 and m[VIDEO.wire_mbps_per_stream].value == 0.25
    assert m[VIDEO.wire_mbps_per_participant].value == 1.0
    assert m[VIDEO.sfu_egress_mbps].value == 0.8
    assert m[VIDEO.rtp_packets_per_s].value == 4 * 150 + 4 * 50
    # SFU: 1.0 core-s over 10 s forwarding 4 receive streams = 1.5 core-s per stream-minute
    assert m[VIDEO.sfu_cpu_core_s_per_stream_min].value == 1.5
    # drivers: 2.0 core-s over 8 streams x 10 s; 20 % of a core at the busiest
    assert m[GENERATOR.media_cpu_core_s_per_stream_s].value == 0.025
    assert m[GENERATOR.media_cpu_pct_max].value == pytest.approx(20.0)
    assert m[VIDEO.first_frame_ms].n == 2 and m[VOICE.join_ms].n == 4


def test_a_scenario_can_produce_the_metrics_of_its_kinds_with_audio_and_turn_counted() -> None:
    doc = {
        "scenario": {"name": "mixed", "duration_s": 5},
        "media": {"turn": True},
        "workload": [
            {"kind": "chat", "users": 2, "send_rate_per_user_hz": 1.0},
            {"kind": "video", "users": 2, "room_size": 2, "audio_bitrate_kbps": 32},
        ],
    }
    names = {spec.name for spec in producible_metrics(parse_scenario(doc, "mixed"))}
    assert names == names_of(["chat", "video", "voice"], turn=True)
    assert "voice.loss_ratio" in names and "voice.wire_mbps" not in names
    assert "turn.relay_mbps_mean" in names and "group.lost" not in names


def test_an_unknown_name_is_rejected_with_a_suggestion() -> None:
    with pytest.raises(UnknownMetric) as info:
        lookup("wire.byte_total")
    assert info.value.suggestions[0] == "wire.bytes_total"
    assert "did you mean 'wire.bytes_total'" in str(info.value)
    with pytest.raises(UnknownMetric, match=re.escape("did you mean 'backend.cpu_core_s'")):
        Figure.of_value("backend.cpu_cores", 1.0, 1)


def test_a_figure_cannot_disagree_with_its_registry_entry() -> None:
    with pytest.raises(ValueError, match="unit 'MB', but the registry says 'bytes'"):
        Figure("wire.bytes_total", "MB", 1, 1.0)
    with pytest.raises(ValueError, match="no p25/p75 spread"):
        Figure.of_value(MESSAGING.lost, 1, 1, spread=(0.0, 2.0))
    with pytest.raises(ValueError, match="needs a value"):
        Figure.of_distribution(MESSAGING.lost, 0, None)
    with pytest.raises(ValueError, match="exactly when it has samples"):
        Figure.of_distribution(MESSAGING.e2e_latency_ms, 3, None)


def test_a_figure_keeps_the_summary_json_keys_and_their_order() -> None:
    cpu = Figure.of_value(BACKEND.cpu_core_s_per_1k_delivered_msgs, 0.4123456789, 55, (0.38, 0.45))
    assert cpu.to_json() == {
        "value": 0.412346,
        "unit": "core_s/1k_msgs",
        "n": 55,
        "p25": 0.38,
        "p75": 0.45,
    }
    assert list(cpu.to_json()) == ["value", "unit", "n", "p25", "p75"]
    latency = Figure.of_distribution(
        MESSAGING.e2e_latency_ms, 9, Stats(0.2, 0.9, 2.1, 3.5, 12.0, 1.1)
    )
    assert list(latency.to_json()) == ["unit", "n", "min", "p50", "p95", "p99", "max", "mean"]
    assert Figure.of_distribution(MESSAGING.e2e_latency_ms, 0, None).to_json() == {
        "unit": "ms",
        "n": 0,
    }


@pytest.mark.parametrize(
    ("name", "stat", "exists"),
    [
        ("backend.cpu_core_s_per_1k_delivered_msgs", "p25", True),
        ("backend.cpu_core_s_per_1k_delivered_msgs", "value", True),
        ("wire.mbps_mean", "p75", False),
        ("messaging.e2e_latency_ms", "p99", True),
        ("messaging.e2e_latency_ms", "value", False),
        ("video.wire_mbps_per_stream", "p95", False),
    ],
)
def test_whether_a_metric_carries_a_statistic(name: str, stat: str, exists: bool) -> None:
    assert has_statistic(name, stat) is exists


def test_a_claim_reference_resolves_to_an_entry_and_a_statistic_or_is_rejected() -> None:
    assert resolve("chat.e2e_latency_ms.p99") == (REGISTRY["chat.e2e_latency_ms"], "p99")
    assert resolve("backend.cpu_core_s") == (REGISTRY["backend.cpu_core_s"], "value")
    with pytest.raises(UnknownMetric, match=re.escape("did you mean 'chat.e2e_latency_ms.p99'")):
        resolve("chat.e2e_latency_ms.p999")
    with pytest.raises(UnknownMetric):
        resolve("messaging.e2e_latency_ms")  # a distribution has no single value


def test_an_unknown_workload_kind_is_an_error() -> None:
    with pytest.raises(ValueError):
        producible(["chats"])


def test_the_docs_metric_table_is_the_registry() -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert with_table(doc) == doc, "docs/results.md is stale: run python -m harness.metrics_doc"
    fewer = markdown_table(SPECS[:-1])
    assert with_table(doc, fewer) != doc  # the pin notices a registry change


def test_the_metrics_cost_mapping_prices_are_registered_values() -> None:
    for rule in MEASURED:
        for name, _ in rule.options:
            assert lookup(name).shape is Shape.VALUE, name


def test_the_documented_example_summary_is_a_valid_summary() -> None:
    text = Path(DOC).read_text(encoding="utf-8")
    example = json.loads(
        text.split("```json\n", 1)[1].split("```", 1)[0].replace(',\n    "...": {}', "")
    )
    summary = parse_summary(example, "docs/results.md")
    assert set(summary.metrics) == {
        "backend.cpu_core_s_per_1k_delivered_msgs",
        "messaging.e2e_latency_ms",
    }
