"""Edges of harness/analysis.py that mutation testing found unguarded, hand-worked: group fan-out
completion (owed nothing, duplicates, microsecond truncation) and peak concurrent users (ends of
users never ready, users that end twice)."""

from __future__ import annotations

import pandas as pd

from harness import analysis as an
from harness.kernel.metric_names import MESSAGING
from harness.kernel.records import (
    EVENT_COLUMNS,
    KIND_CHAT,
    KIND_GROUP,
    RECV_COLUMNS,
    SENT_COLUMNS,
)


def _sent(*rows: tuple[int, int, int, int, int]) -> pd.DataFrame:
    """(t_ns, user, kind, target, seq) per message."""
    return pd.DataFrame(
        [(t, t, user, kind, target, seq, 100, 140) for t, user, kind, target, seq in rows],
        columns=list(SENT_COLUMNS),
    )


def _recv(*rows: tuple[int, int, int, int, int]) -> pd.DataFrame:
    """(t_ns, user, sender, kind, seq) per delivery."""
    return pd.DataFrame(
        [(t, user, sender, kind, 9, seq, 0, 100) for t, user, sender, kind, seq in rows],
        columns=list(RECV_COLUMNS),
    )


def test_fanout_completion_is_send_to_last_owed_delivery_truncated_to_microseconds() -> None:
    sent = _sent((1_000_000, 0, KIND_GROUP, 9, 1))
    recv = _recv((2_000_000, 1, 0, KIND_GROUP, 1), (4_234_567_891, 2, 0, KIND_GROUP, 1))
    got = an.fanout_completion_ms(sent, recv, pd.Series([2]))
    # (4,234,567,891 - 1,000,000) ns = 4,233,567,891 ns -> 4,233,567 us -> 4233.567 ms
    assert got.tolist() == [4233.567]


def test_a_group_message_owed_to_nobody_has_no_completion_even_if_received() -> None:
    sent = _sent((0, 0, KIND_GROUP, 9, 1), (0, 0, KIND_GROUP, 9, 2))
    recv = _recv((5_000, 1, 0, KIND_GROUP, 1), (7_000, 1, 0, KIND_GROUP, 2))
    got = an.fanout_completion_ms(sent, recv, pd.Series([0, 1]))
    assert got.tolist() == [0.007]  # only message 2, owed once


def test_a_duplicate_delivery_does_not_stand_for_a_missing_member() -> None:
    sent = _sent((0, 0, KIND_GROUP, 9, 1))
    recv = _recv((5_000, 1, 0, KIND_GROUP, 1), (9_000, 1, 0, KIND_GROUP, 1))  # member 2: never
    assert an.fanout_completion_ms(sent, recv, pd.Series([2])).tolist() == []


def test_no_group_message_gives_an_empty_float_array() -> None:
    sent = _sent((0, 0, KIND_CHAT, 1, 1))
    got = an.fanout_completion_ms(sent, _recv((5, 1, 0, KIND_CHAT, 1)), pd.Series([1]))
    assert got.shape == (0,) and got.dtype == float


def _events(*rows: tuple[int, int, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [(t, user, KIND_CHAT, 0, event, "") for t, user, event in rows],
        columns=list(EVENT_COLUMNS),
    )


def test_the_end_of_a_user_that_never_became_ready_does_not_count() -> None:
    events = _events(
        (0, 2, "connect"), (0, 2, "error"),  # user 2 failed before it was ready
        (1, 0, "ready"), (2, 1, "ready"), (3, 0, "stop"),
    )  # fmt: skip
    assert an.peak_concurrent_users(events) == 2


def test_a_user_ends_once_even_when_it_errs_and_then_stops() -> None:
    events = _events(
        (1, 0, "ready"), (2, 0, "error"), (3, 0, "stop"),
        (4, 1, "ready"), (5, 2, "ready"),
    )  # fmt: skip
    # +1, -1 (user 0, once), +1, +1: two users at once.
    assert an.peak_concurrent_users(events) == 2


def test_no_events_means_no_users() -> None:
    assert an.peak_concurrent_users(_events()) == 0


def test_nothing_owed_is_a_delivery_ratio_of_zero_not_a_division_by_zero() -> None:
    sent = _sent((0, 0, KIND_CHAT, 1, 1))
    figures = an.delivery_figures(
        MESSAGING, sent, _recv(), pd.Series([0]), pd.Series({0: 0, 1: 10})
    )
    assert figures[MESSAGING.delivery_ratio].value == 0.0
    assert figures[MESSAGING.lost].value == 0


def test_no_delivery_means_nothing_reordered() -> None:
    assert an.count_reordered(_recv()) == 0
