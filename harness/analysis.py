"""From a run's records to its per-unit intensities (`summary.json` metrics). Pure: data in, figures out.

Inputs are DataFrames with the columns of harness.kernel.records plus the run's window timestamps
(monotonic ns). Nothing here reads the clock or touches files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from harness.kernel import records
from harness.kernel.figures import Figure, Stats, by_name
from harness.kernel.metric_names import DeliveryNames

SATURATION_CPU_PCT = 85.0
LOOP_LAG_LIMIT_MS = 50.0
ROLLING_WINDOW_S = 5.0


@dataclass(frozen=True)
class Window:
    """Monotonic-ns marks of a run: load start (drivers told to start), sends stop, run end."""

    load_start_ns: int
    send_stop_ns: int
    end_ns: int


def distribution(name: str, values: np.ndarray[Any, Any]) -> Figure:
    """The registered distribution `name` over `values` (no statistics when there are none)."""
    if len(values) == 0:
        return Figure.of_distribution(name, 0, None)
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    stats = Stats(
        float(values.min()),
        float(p50),
        float(p95),
        float(p99),
        float(values.max()),
        float(values.mean()),
    )
    return Figure.of_distribution(name, len(values), stats)


def ready_times(events: pd.DataFrame) -> pd.Series:
    """First time each user could receive (its `ready` event), indexed by user."""
    ready = events[events["event"] == records.EVENT_READY]
    return ready.groupby("user")["t_ns"].min()


def expected_deliveries(sent: pd.DataFrame, events: pd.DataFrame) -> pd.Series:
    """Per sent message, how many recipients were ready when it was sent (a chat peer, or room members)."""
    ready = ready_times(events)
    out = pd.Series(0, index=sent.index, dtype="int64")
    chat = sent[sent["kind"] == records.KIND_CHAT]
    peer_ready = chat["target"].map(ready)
    out.loc[chat.index] = (peer_ready <= chat["t_ns"]).astype("int64")
    groups = sent[sent["kind"] == records.KIND_GROUP]
    members = events[(events["kind"] == records.KIND_GROUP)].groupby("target")["user"].unique()
    for room, msgs in groups.groupby("target"):
        times = np.sort(ready.reindex(members.get(room, [])).dropna().to_numpy())
        ready_count = np.searchsorted(times, msgs["t_ns"].to_numpy(), side="right")
        out.loc[msgs.index] = ready_count - 1  # the sender itself was ready
    return out


def delivery_figures(
    names: DeliveryNames,
    sent: pd.DataFrame,
    recv: pd.DataFrame,
    expected: pd.Series,
    ready: pd.Series,
) -> dict[str, Figure]:
    """Sent, delivered, expected, ratio, loss, duplicates, reordering and latency of one message
    set, under the names of its delivery family (all messages, chat or group)."""
    unique = recv.drop_duplicates(["user", "sender", "seq"])
    keyed = unique.merge(
        sent[["user", "seq", "t_ns"]].rename(columns={"user": "sender", "t_ns": "sent_ns"}),
        on=["sender", "seq"],
        how="inner",
    )
    owed = keyed[keyed["user"].map(ready) <= keyed["sent_ns"]]
    n_expected = int(expected.sum())
    n_delivered = len(owed)
    latency_ms = (recv["t_ns"] - recv["send_ns"]).to_numpy() // 1000 / 1000.0
    return by_name(
        Figure.of_value(names.messages_sent, len(sent), len(sent)),
        Figure.of_value(names.messages_delivered, len(recv), len(recv)),
        Figure.of_value(names.deliveries_expected, n_expected, len(sent)),
        Figure.of_value(
            names.delivery_ratio, n_delivered / n_expected if n_expected else 0.0, n_expected
        ),
        Figure.of_value(names.lost, n_expected - n_delivered, n_expected),
        Figure.of_value(names.duplicates, len(recv) - len(unique), len(recv)),
        Figure.of_value(names.reordered, count_reordered(recv), len(recv)),
        distribution(names.e2e_latency_ms, latency_ms),
    )


def count_reordered(recv: pd.DataFrame) -> int:
    """Deliveries that arrived after a later message of the same (sender → receiver) stream."""
    if recv.empty:
        return 0
    ordered = recv.reset_index(drop=True)
    ordered = ordered.assign(_pos=np.arange(len(ordered))).sort_values(
        ["t_ns", "_pos"], kind="stable"
    )
    prior_max = (
        ordered.groupby(["user", "sender"])["seq"]
        .cummax()
        .groupby([ordered["user"], ordered["sender"]])
        .shift(1)
    )
    return int((ordered["seq"] < prior_max).sum())


def fanout_completion_ms(
    sent: pd.DataFrame, recv: pd.DataFrame, expected: pd.Series
) -> np.ndarray[Any, Any]:
    """Per group message whose every owed delivery arrived: send → last member received, in ms."""
    groups = sent[(sent["kind"] == records.KIND_GROUP) & (expected > 0)]
    if groups.empty:
        return np.array([])
    got = recv[recv["kind"] == records.KIND_GROUP].drop_duplicates(["user", "sender", "seq"])
    agg = got.groupby(["sender", "seq"])["t_ns"].agg(["max", "count"])
    owed = groups.assign(owed=expected.loc[groups.index]).rename(columns={"user": "sender"})
    want = owed.set_index(["sender", "seq"])
    joined = want.join(agg, how="inner")
    done = joined[joined["count"] >= joined["owed"]]
    return ((done["max"] - done["t_ns"]).to_numpy() // 1000) / 1000.0


def peak_concurrent_users(events: pd.DataFrame) -> int:
    """Most users connected at once: +1 at ready, −1 at stop or error after ready."""
    ready_users = set(events.loc[events["event"] == records.EVENT_READY, "user"])
    ends = events[
        events["event"].isin([records.EVENT_STOP, records.EVENT_ERROR])
        & events["user"].isin(ready_users)
    ]
    ends = ends.drop_duplicates("user")
    steps = pd.concat(
        [
            pd.DataFrame(
                {"t_ns": events.loc[events["event"] == records.EVENT_READY, "t_ns"], "d": 1}
            ),
            pd.DataFrame({"t_ns": ends["t_ns"], "d": -1}),
        ]
    ).sort_values(["t_ns", "d"])
    return int(steps["d"].cumsum().max()) if not steps.empty else 0


def generator_sources(samples: pd.DataFrame) -> list[str]:
    """The sample sources of the messaging generator processes (`generator-<g>`), in order."""
    return sorted(str(s) for s in samples["source"].unique() if str(s).startswith("generator-"))


def source_series(samples: pd.DataFrame, source: str) -> pd.DataFrame:
    return samples[samples["source"] == source].sort_values("t_ns").reset_index(drop=True)


def in_window(df: pd.DataFrame, start_ns: int, end_ns: int) -> pd.DataFrame:
    return df[(df["t_ns"] >= start_ns) & (df["t_ns"] <= end_ns)]


def rolling_cpu_pct_max(series: pd.DataFrame, window_s: float = ROLLING_WINDOW_S) -> float:
    """Highest CPU use over any `window_s` span of a process source, in % of one core."""
    t = series["t_ns"].to_numpy()
    cpu = (series["cpu_user_s"] + series["cpu_system_s"]).to_numpy()
    best = 0.0
    for i in range(len(t)):
        j = np.searchsorted(t, t[i] - window_s * 1e9, side="right") - 1
        if j >= 0 and (t[i] - t[j]) >= window_s * 0.8e9:
            best = max(best, 100.0 * (cpu[i] - cpu[j]) / ((t[i] - t[j]) / 1e9))
    return best
