"""The metric registry: every figure imbench can report, declared once.

In the spirit of OpenTelemetry's semantic conventions, each metric is an entry: a lowercase dotted
name `<area>.<figure_with_unit>` (`harness.kernel.metric_names` holds them as typed constants),
its unit, its shape (a single value, which may carry a p25/p75 spread of per-interval values, or a
distribution with min/p50/p95/p99/max/mean), which direction is better, which workload kinds
produce it, and one sentence of meaning. Names and units are API — `summary.json`, claims and
cost derivation address them — so a name is never renamed nor reused.

Families that share figures come from one template, each concrete name registered: the delivery
figures of `messaging.*` (all messages), `chat.*` and `group.*`, and the stream figures of
`video.*` and `voice.*`. Figures are built by `harness.kernel.figures`, which takes the unit from
here and refuses a name this registry lacks. `SUMMARY_ROWS` gives the terminal summary its rows,
labels and order; `docs/results.md`'s metric table is generated from `SPECS`
(`python -m harness.metrics_doc`) and pinned by a test.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType

from harness.kernel.errors import Problem
from harness.kernel.metric_names import (
    BACKEND,
    CHAT,
    GENERATOR,
    GROUP,
    MESSAGING,
    TURN,
    VIDEO,
    VOICE,
    WIRE,
    DeliveryNames,
    StreamNames,
    all_names,
)


class Shape(StrEnum):
    VALUE = "value"
    """One number (`value`), optionally with the p25/p75 spread of per-interval values."""
    DISTRIBUTION = "distribution"
    """Statistics over many samples: min, p50, p95, p99, max, mean."""


class Better(StrEnum):
    """Which way a change is an improvement, for the same scenario. Consumption (CPU, memory,
    storage, bytes and rates on the wire) is better lower; quality as its name says; figures that
    describe the offered load or the run's make-up are `neither`."""

    LOWER = "lower"
    HIGHER = "higher"
    NEITHER = "neither"


class WorkloadKind(StrEnum):
    """A scenario's workload kinds. A video workload with an audio track also produces voice
    figures: count it as both."""

    CHAT = "chat"
    GROUP = "group"
    VIDEO = "video"
    VOICE = "voice"


MESSAGING_KINDS = frozenset({WorkloadKind.CHAT, WorkloadKind.GROUP})
"""Messaging-wide figures, and the messaging backend's resources, wire and generators."""
MEDIA_KINDS = frozenset({WorkloadKind.VIDEO, WorkloadKind.VOICE})
CHAT_KINDS = frozenset({WorkloadKind.CHAT})
GROUP_KINDS = frozenset({WorkloadKind.GROUP})
VIDEO_KINDS = frozenset({WorkloadKind.VIDEO})
VOICE_KINDS = frozenset({WorkloadKind.VOICE})

VALUE_STAT = "value"
SPREAD_STATS = ("p25", "p75")
DISTRIBUTION_STATS = ("min", "p50", "p95", "p99", "max", "mean")


@dataclass(frozen=True)
class MetricSpec:
    """One registry entry."""

    name: str
    unit: str
    shape: Shape
    better: Better
    produced_by: frozenset[WorkloadKind]
    """A run has this figure when its scenario has any of these kinds ..."""
    brief: str
    """What the figure means, in one sentence."""
    spread: bool = False
    """A value that may carry the p25/p75 spread of its per-interval values."""
    unless: frozenset[WorkloadKind] = frozenset()
    """... and none of these (a run with video reports the media path under video only) ..."""
    needs_turn: bool = False
    """... and its media goes through a TURN relay (`[media] turn = true`)."""
    label: str | None = None
    """Its row in the terminal summary (from `SUMMARY_ROWS`); None: not shown there."""

    @property
    def area(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def statistics(self) -> tuple[str, ...]:
        """What a claim may address: `<name>` is `value`; `<name>.<stat>` the others."""
        if self.shape is Shape.DISTRIBUTION:
            return DISTRIBUTION_STATS
        return (VALUE_STAT, *SPREAD_STATS) if self.spread else (VALUE_STAT,)

    def produced(self, kinds: frozenset[WorkloadKind], turn: bool = False) -> bool:
        """Whether a scenario with these workload kinds (and TURN or not) can produce it."""
        wanted = bool(self.produced_by & kinds) and not self.unless & kinds
        return wanted and (turn or not self.needs_turn)


_LOWER, _HIGHER, _NEITHER = Better.LOWER, Better.HIGHER, Better.NEITHER


def _value(
    name: str,
    unit: str,
    better: Better,
    kinds: frozenset[WorkloadKind],
    brief: str,
    *,
    spread: bool = False,
    unless: frozenset[WorkloadKind] = frozenset(),
    needs_turn: bool = False,
) -> MetricSpec:  # pragma: no mutate block (import time)
    return MetricSpec(name, unit, Shape.VALUE, better, kinds, brief, spread, unless, needs_turn)


def _dist(
    name: str, unit: str, better: Better, kinds: frozenset[WorkloadKind], brief: str
) -> MetricSpec:  # pragma: no mutate block (import time)
    return MetricSpec(name, unit, Shape.DISTRIBUTION, better, kinds, brief)


# fmt: off
def _delivery(n: DeliveryNames, kinds: frozenset[WorkloadKind], scope: str) -> list[MetricSpec]:  # pragma: no mutate block (import time)
    """The delivery template: the same eight figures over one message set."""
    k, s = kinds, f" ({scope})."
    return [
        _value(n.messages_sent, "msgs", _NEITHER, k, "Messages the simulated users sent" + s),
        _value(n.messages_delivered, "msgs", _NEITHER, k,
               "Deliveries received, duplicates included; a group message to S members is S − 1 deliveries" + s),
        _value(n.deliveries_expected, "msgs", _NEITHER, k,
               "Deliveries owed: for each message sent, the recipients that were ready when it was sent" + s),
        _value(n.delivery_ratio, "ratio", _HIGHER, k, "Unique owed deliveries ÷ deliveries expected" + s),
        _value(n.lost, "msgs", _LOWER, k, "Deliveries expected that never arrived" + s),
        _value(n.duplicates, "msgs", _LOWER, k,
               "Deliveries received more than once (same sender, receiver and sequence id)" + s),
        _value(n.reordered, "msgs", _LOWER, k,
               "Deliveries that arrived after a later message of the same sender → receiver stream" + s),
        _dist(n.e2e_latency_ms, "ms", _LOWER, k,
              "Send timestamp → receive timestamp of each delivery, at microsecond resolution" + s),
    ]


def _streams(n: StreamNames, kind: str, kinds: frozenset[WorkloadKind], path: str) -> list[MetricSpec]:  # pragma: no mutate block (import time)
    """The stream template: one media kind's streams, then the media path (the veth, the SFU)."""
    k, p = kinds, f" ({path})."
    u = frozenset() if kind == "video" else VIDEO_KINDS
    return [
        _value(n.recv_streams, "streams", _NEITHER, k,
               f"Receive {kind} streams judged: each subscription of each participant or viewer."),
        _dist(n.recv_mbps_per_stream, "Mbps", _HIGHER, k,
              f"Achieved payload bitrate per receive {kind} stream over the steady window (after the ramp + 2 s)."),
        _dist(n.send_mbps_per_stream, "Mbps", _NEITHER, k,
              f"Payload bitrate each sending {kind} stream offered over the steady window."),
        _value(n.packets_lost, "packets", _LOWER, k,
               f"RTP packets of receive {kind} streams lost, from the receivers' statistics (senders' counters hide loss)."),
        _value(n.loss_ratio, "ratio", _LOWER, k,
               f"Receive {kind} packets lost ÷ (received + lost), from the receivers' RTP statistics."),
        _dist(n.fps_per_stream, "fps", _HIGHER, k, f"Mean frames per second of each receive {kind} stream."),
        _dist(n.jitter_ms, "ms", _LOWER, k,
              f"Interarrival jitter of receive {kind} streams, one figure per stream per second."),
        _dist(n.rtt_ms, "ms", _LOWER, k,
              f"Round-trip time RTCP reports for {kind} streams, one figure per stream per second."),
        _dist(n.join_ms, "ms", _LOWER, k, f"Signalling start → ICE/DTLS connected, per {kind} stream."),
        _dist(n.first_frame_ms, "ms", _LOWER, k,
              f"Signalling start → first complete frame received, per receive {kind} stream."),
        _value(n.wire_mbps, "Mbps", _LOWER, k,
               "The veth's rate, both directions, over the steady window" + p, unless=u),
        _value(n.payload_mbps_sum, "Mbps", _NEITHER, k,
               "Sum of every stream's achieved payload bitrate, send and receive" + p, unless=u),
        _value(n.rtp_packets_per_s, "packets/s", _NEITHER, k,
               "RTP packets per second summed over every stream" + p, unless=u),
        _value(n.wire_overhead_ratio, "ratio", _LOWER, k,
               "Wire rate ÷ the streams' payload sum: what headers, RTCP and signalling add" + p, unless=u),
        _value(n.wire_mbps_per_stream, "Mbps", _LOWER, k,
               "Wire rate per stream crossing the veth, send and receive streams counted" + p, unless=u),
        _value(n.wire_mbps_per_participant, "Mbps", _LOWER, k,
               "Wire rate per media participant" + p, unless=u),
        _value(n.sfu_egress_mbps, "Mbps", _LOWER, k,
               "Rate leaving the SFU's namespace, from the host side's veth receive counter" + p, unless=u),
        _value(n.sfu_egress_gb_per_participant_hour, "GB/participant_h", _LOWER, k,
               "SFU egress per participant-hour" + p, unless=u),
        _value(n.sfu_cpu_core_s_per_stream_min, "core_s/stream_min", _LOWER, k,
               "SFU process CPU per forwarded (received) stream-minute" + p, unless=u),
    ]


_M, _MEDIA = MESSAGING_KINDS, MEDIA_KINDS
_DECLARED: tuple[MetricSpec, ...] = (
    *_delivery(MESSAGING, _M, "all messages"),
    _value(MESSAGING.peak_concurrent_users, "users", _NEITHER, _M,
           "Most simulated messaging users connected and ready at once."),
    _value(MESSAGING.payload_bytes_mean, "bytes", _NEITHER, _M, "Mean body size of the messages sent."),
    _value(MESSAGING.sent_msgs_per_user_per_s, "msgs/user/s", _NEITHER, _M,
           "Offered send rate: messages sent ÷ peak concurrent users ÷ the send window."),
    *_delivery(CHAT, CHAT_KINDS, "chat messages only"),
    *_delivery(GROUP, GROUP_KINDS, "group messages only"),
    _dist(GROUP.fanout_completion_ms, "ms", _LOWER, GROUP_KINDS,
          "Per group message whose every owed delivery arrived: send → the last member received it."),
    _value(GROUP.room_size_mean, "users", _NEITHER, GROUP_KINDS,
           "Mean members per group room (a send fans out to size − 1)."),
    _value(BACKEND.cpu_core_s, "core_s", _LOWER, _M,
           "CPU time (user + system) of the messaging backend's process tree over the load window."),
    _value(BACKEND.cpu_core_s_per_1k_delivered_msgs, "core_s/1k_msgs", _LOWER, _M,
           "Backend CPU per 1,000 delivered messages, spread over sampling intervals that delivered messages.",
           spread=True),
    _value(BACKEND.rss_bytes_peak, "bytes", _LOWER, _M,
           "Peak resident memory of the backend's process tree during the load window."),
    _value(BACKEND.rss_bytes_per_user, "bytes/user", _LOWER, _M,
           "(Peak RSS − RSS before any user connected) ÷ peak concurrent users."),
    _value(BACKEND.storage_bytes_delta, "bytes", _LOWER, _M,
           "Growth of the backend's data paths (database files including WAL, archives) over the run."),
    _value(BACKEND.storage_bytes_per_stored_msg, "bytes/msg", _LOWER, _M,
           "Storage growth per message sent (each sent message is stored once)."),
    _value(WIRE.bytes_total, "bytes", _LOWER, _M,
           "Messaging bytes on the backend's interface over the run, both directions, headers included."),
    _value(WIRE.bytes_per_delivered_msg, "bytes/msg", _LOWER, _M, "Messaging wire bytes per delivered message."),
    _value(WIRE.bytes_per_sent_msg, "bytes/msg", _LOWER, _M, "Messaging wire bytes per sent message."),
    _value(WIRE.mbps_mean, "Mbps", _LOWER, _M, "Mean messaging wire rate over the load window, both directions."),
    _value(GENERATOR.cpu_core_s, "core_s", _LOWER, _M,
           "CPU time of the messaging load-generator processes over the load window."),
    _value(GENERATOR.cpu_core_s_per_1k_msgs, "core_s/1k_msgs", _LOWER, _M,
           "Messaging load-generator CPU per 1,000 messages sent + delivered."),
    _value(GENERATOR.cpu_pct_max, "pct", _LOWER, _M,
           "Busiest messaging load-generator process over any 5 s, in % of one core (above 85 % the run is invalid)."),
    *_streams(VIDEO, "video", VIDEO_KINDS, "every media stream of the run, voice included"),
    _value(VIDEO.streams_under_target, "streams", _LOWER, VIDEO_KINDS,
           "Receive video streams below 90 % of their target; summary.json names them under media_under_target."),
    _value(VIDEO.target_mbps, "Mbps", _NEITHER, VIDEO_KINDS,
           "The target bitrate of the run's video streams (the highest, when workloads differ)."),
    *_streams(VOICE, "voice", VOICE_KINDS, "runs whose media is voice only"),
    _value(TURN.relay_bytes_total, "bytes", _LOWER, _MEDIA,
           "Bytes coturn relayed over the media span: its own count of UDP payload over every leg.",
           needs_turn=True),
    _value(TURN.relay_mbps_mean, "Mbps", _LOWER, _MEDIA, "Mean TURN relay rate over the media span.",
           needs_turn=True),
    _value(TURN.relay_gb_per_participant_hour, "GB/participant_h", _LOWER, _MEDIA,
           "TURN relay gigabytes per media participant-hour, the cost line of relayed media.",
           needs_turn=True),
    _value(GENERATOR.media_cpu_core_s_per_stream_s, "core_s/stream_s", _LOWER, _MEDIA,
           "Media driver CPU per stream-second, send and receive streams counted together."),
    _value(GENERATOR.media_cpu_pct_max, "pct", _LOWER, _MEDIA,
           "Busiest media driver process over any 5 s, in % of one core (above 85 % the run is invalid)."),
)

SUMMARY_ROWS: tuple[tuple[str, str], ...] = (
    (MESSAGING.messages_sent, "messages sent"),
    (MESSAGING.messages_delivered, "messages delivered"),
    (MESSAGING.delivery_ratio, "delivery ratio"),
    (MESSAGING.lost, "lost"),
    (MESSAGING.duplicates, "duplicates"),
    (MESSAGING.reordered, "reordered"),
    (MESSAGING.peak_concurrent_users, "peak concurrent users"),
    (MESSAGING.e2e_latency_ms, "e2e latency"),
    (CHAT.e2e_latency_ms, "  chat latency"),
    (GROUP.e2e_latency_ms, "  group latency"),
    (GROUP.fanout_completion_ms, "group fan-out completion"),
    (BACKEND.cpu_core_s_per_1k_delivered_msgs, "backend CPU per 1k delivered"),
    (BACKEND.rss_bytes_per_user, "backend RSS per user"),
    (BACKEND.rss_bytes_peak, "backend RSS peak"),
    (BACKEND.storage_bytes_per_stored_msg, "storage per stored message"),
    (WIRE.bytes_per_delivered_msg, "wire per delivered message"),
    (WIRE.bytes_per_sent_msg, "wire per sent message"),
    (WIRE.mbps_mean, "wire mean rate"),
    (MESSAGING.payload_bytes_mean, "mean payload"),
    (GENERATOR.cpu_core_s_per_1k_msgs, "generator CPU per 1k msgs"),
    (GENERATOR.cpu_pct_max, "generator CPU peak (5 s)"),
    (VIDEO.recv_streams, "video streams received"),
    (VIDEO.target_mbps, "video target per stream"),
    (VIDEO.recv_mbps_per_stream, "video received per stream"),
    (VIDEO.streams_under_target, "video streams under 90% of target"),
    (VIDEO.loss_ratio, "video loss ratio"),
    (VIDEO.fps_per_stream, "video frames per second"),
    (VIDEO.jitter_ms, "video jitter"),
    (VIDEO.first_frame_ms, "video time to first frame"),
    (VIDEO.wire_mbps_per_stream, "wire per video stream"),
    (VIDEO.wire_overhead_ratio, "wire ÷ stream payload"),
    (VIDEO.sfu_cpu_core_s_per_stream_min, "SFU CPU per stream-minute"),
    (VIDEO.sfu_egress_gb_per_participant_hour, "SFU egress per participant-hour"),
    (VOICE.recv_streams, "voice streams received"),
    (VOICE.recv_mbps_per_stream, "voice received per stream"),
    (VOICE.loss_ratio, "voice loss ratio"),
    (VOICE.wire_mbps_per_stream, "wire per voice stream"),
    (VOICE.sfu_cpu_core_s_per_stream_min, "SFU CPU per voice stream-minute"),
    (TURN.relay_mbps_mean, "TURN relay mean rate"),
    (TURN.relay_gb_per_participant_hour, "TURN relay per participant-hour"),
    (GENERATOR.media_cpu_core_s_per_stream_s, "media generator CPU per stream-s"),
    (GENERATOR.media_cpu_pct_max, "media generator CPU peak (5 s)"),
)
"""The terminal summary's rows, in the order it shows them, each with its short label."""
# fmt: on

REGISTRY_SOURCE = "harness/kernel/metrics.py"
_NAME = re.compile(r"^[a-z]+\.[a-z][a-z0-9_]*$")
_UNIT_SUFFIXES = {"_ms": "ms", "_mbps": "Mbps", "_core_s": "core_s", "_pct": "pct"}
"""A name ending so must have this unit (as Prometheus puts the base unit in the name)."""


def validate(specs: Sequence[MetricSpec], rows: Sequence[tuple[str, str]] = ()) -> list[Problem]:
    """Every way a registry (entries and summary rows) can be wrong; empty when it is sound."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for spec in specs:
        problems += _spec_problems(spec, spec.name in seen)
        seen.add(spec.name)
    labels: set[str] = set()
    for name, label in rows:
        if name not in seen:
            problems.append(Problem(REGISTRY_SOURCE, name, label, "a row of a registered metric"))
        if not label.strip() or label in labels:
            problems.append(
                Problem(REGISTRY_SOURCE, f"{name}.label", label, "a short label, unique")
            )
        labels.add(label)
    return problems


def _spec_problems(spec: MetricSpec, repeated: bool) -> list[Problem]:
    name = spec.name
    found: list[tuple[str, object, str]] = []
    if not _NAME.match(name):
        found.append(("name", name, "lowercase `<area>.<figure_with_unit>` ([a-z0-9_], one dot)"))
    if repeated:
        found.append(("name", name, "each name registered once"))
    if not spec.unit.strip():
        found.append(("unit", spec.unit, "a unit (bytes, ms, Mbps, core_s, ratio, ...)"))
    for suffix, unit in _UNIT_SUFFIXES.items():
        if name.endswith(suffix) and spec.unit.strip() and spec.unit != unit:
            found.append(("unit", spec.unit, f"{unit!r}, as the name ends in {suffix}"))
    brief = spec.brief.strip()
    if not brief.endswith(".") or not (brief[:1].isupper() or brief.startswith("(")):
        found.append(("brief", spec.brief, "one sentence of meaning, capitalised, a full stop"))
    if not isinstance(spec.shape, Shape):
        found.append(("shape", spec.shape, " or ".join(Shape)))
    if not isinstance(spec.better, Better):
        found.append(("better", spec.better, " or ".join(Better)))
    if not spec.produced_by or not spec.produced_by <= set(WorkloadKind):
        found.append(
            ("produced_by", sorted(spec.produced_by), "some of " + ", ".join(WorkloadKind))
        )
    if spec.spread and spec.shape is not Shape.VALUE:
        found.append(("spread", spec.spread, "a spread only on a single value"))
    return [Problem(REGISTRY_SOURCE, f"{name}.{field}", v, ok) for field, v, ok in found]


def _registry() -> tuple[
    tuple[MetricSpec, ...], Mapping[str, MetricSpec]
]:  # pragma: no mutate block (import time)
    problems = validate(_DECLARED, SUMMARY_ROWS)
    declared = {spec.name for spec in _DECLARED}
    problems += [
        Problem(REGISTRY_SOURCE, name, name, "declared and in harness.kernel.metric_names both")
        for name in sorted(all_names() ^ declared)
    ]
    if problems:
        raise RuntimeError("the metric registry is broken:\n" + "\n".join(map(str, problems)))
    labels = dict(SUMMARY_ROWS)
    specs = tuple(replace(spec, label=labels.get(spec.name)) for spec in _DECLARED)
    return specs, MappingProxyType({spec.name: spec for spec in specs})


SPECS, REGISTRY = _registry()
"""Every metric in declaration order (the docs table's order), and the same by name."""


class UnknownMetric(LookupError):
    """A name (or `<name>.<stat>` reference) the registry lacks; `suggestions` are close ones."""

    def __init__(self, name: str, suggestions: Sequence[str], what: str = "metric") -> None:
        self.name = name
        self.suggestions = tuple(suggestions)
        super().__init__(f"unknown {what} {name!r}{did_you_mean(self.suggestions)}")


def did_you_mean(suggestions: Sequence[str]) -> str:
    """`; did you mean 'a' or 'b'?`, or nothing when there is no suggestion."""
    if not suggestions:
        return ""
    return "; did you mean " + " or ".join(repr(s) for s in suggestions) + "?"


def suggest(name: str, candidates: Iterable[str] | None = None, limit: int = 3) -> list[str]:
    """Registered names (or `candidates`) close to `name`, closest first."""
    pool = list(REGISTRY if candidates is None else candidates)
    return difflib.get_close_matches(name, pool, n=limit, cutoff=0.6)


def lookup(name: str) -> MetricSpec:
    """The registry entry of `name`; an unknown name raises UnknownMetric with suggestions."""
    spec = REGISTRY.get(name)
    if spec is None:
        raise UnknownMetric(name, suggest(name))
    return spec


def has_statistic(name: str, stat: str) -> bool:
    """Whether metric `name` carries `stat` (value, p25, p75, min, p50, ...); unknown: UnknownMetric."""
    return stat in lookup(name).statistics


def references() -> list[str]:
    """Everything a claim can address: `<name>` for a value, `<name>.<stat>` for the rest."""
    return [
        spec.name if stat == VALUE_STAT else f"{spec.name}.{stat}"
        for spec in SPECS
        for stat in spec.statistics
    ]


def resolve(reference: str) -> tuple[MetricSpec, str]:
    """A claim's `<name>` or `<name>.<stat>` as (entry, statistic); unknown: UnknownMetric."""
    spec = REGISTRY.get(reference)
    if spec is not None and VALUE_STAT in spec.statistics:
        return spec, VALUE_STAT
    head, _, stat = reference.rpartition(".")
    spec = REGISTRY.get(head)
    if spec is not None and stat in spec.statistics and stat != VALUE_STAT:
        return spec, stat
    raise UnknownMetric(reference, suggest(reference, references()), "metric reference")


def producible(kinds: Iterable[WorkloadKind | str], turn: bool = False) -> tuple[MetricSpec, ...]:
    """The metrics a scenario with these workload kinds can produce, in registry order (a video
    workload with an audio track counts as voice too; an unknown kind is a ValueError). A run may
    still lack one — a meter this machine cannot provide, a figure with nothing to divide by —
    which the claims gate calls inconclusive."""
    have = frozenset(WorkloadKind(kind) for kind in kinds)
    return tuple(spec for spec in SPECS if spec.produced(have, turn))
