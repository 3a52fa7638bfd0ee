"""The end of a run: its records turned into Parquet tables and `summary.json`, its status settled.

Runs after the orchestrator has stopped everything it started (harness.run); reads only the run
folder, so it also finishes a run found abandoned by a later one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pandas as pd

from harness.analysis import Window
from harness.kernel.status import RunStatus, worse
from harness.kernel.summary import Summary
from harness.manifest import Manifest
from harness.media_analysis import relay_metrics, stream_targets
from harness.store import RunFolder
from harness.summary import (
    build_metrics,
    media_under_target,
    summary_document,
    validity_reasons,
)


@dataclass
class RunState:
    """A run's status as it goes: it only ever gets worse (harness.kernel.status), reasons pile up."""

    status: RunStatus = RunStatus.OK
    reasons: list[str] = field(default_factory=list)
    window: Window | None = None

    def fail(self, status: RunStatus, reason: str) -> None:
        self.status = worse(self.status, status)
        self.reasons.append(reason)


@dataclass(frozen=True)
class RunResult:
    folder: RunFolder
    status: RunStatus
    reasons: list[str]
    summary: Summary


def finalize_run(folder: RunFolder, manifest: Manifest, state: RunState) -> RunResult:
    """Tables, summary and the final manifest of a run whose processes have all stopped.

    Reads only the run folder and its manifest (targets, ramp, window), so it also finishes a run
    whose orchestrator vanished."""
    data = folder.load()
    if not data.media_streams.empty:
        targets = {int(g): mbps for g, mbps in manifest.media_targets_mbps.items()}
        data = replace(data, media_streams=stream_targets(data.media_streams, targets))
    ramp_s = float(manifest.scenario.get("ramp_s", 0.0))
    window = state.window or Window(0, 0, 0)
    metrics = build_metrics(data, window, ramp_s) if state.window else {}
    low = media_under_target(data, window, ramp_s) if state.window else []
    relay = manifest.turn_relay
    if relay and not data.media_streams.empty:
        streams = data.media_streams
        span_s = float(streams["t_s"].max() - (streams["t_s"] - streams["interval_s"]).min())
        participants = len(streams[["generator", "peer"]].drop_duplicates())
        metrics |= relay_metrics(relay["total_bytes"], span_s, participants)
    if state.status == RunStatus.OK:
        for reason in validity_reasons(metrics, _loop_lags(folder, data.stats), window):
            state.fail(RunStatus.INVALID, reason)
    manifest.status, manifest.reasons = state.status, state.reasons
    manifest.notes = list(data.notes)
    manifest.end_utc = manifest.end_utc or datetime.now(UTC).isoformat()
    manifest.window_ns = window_marks(window)
    folder.finalize_tables(data)
    summary = summary_document(
        folder.run_id,
        state.status,
        state.reasons,
        manifest.to_json(),
        metrics,
        window,
        low,
        manifest.notes,
    )
    folder.write_summary(summary.to_json())
    folder.write_manifest(manifest.to_json())
    return RunResult(folder, state.status, state.reasons, summary)


def window_marks(window: Window) -> dict[str, int]:
    return {
        "load_start": window.load_start_ns,
        "send_stop": window.send_stop_ns,
        "end": window.end_ns,
    }


def window_of(manifest: Manifest) -> Window | None:
    marks = manifest.window_ns
    if not marks:
        return None
    return Window(int(marks["load_start"]), int(marks["send_stop"]), int(marks["end"]))


def _loop_lags(folder: RunFolder, stats: pd.DataFrame) -> pd.DataFrame:
    """Per-second event-loop lag of every generator: Locust stats lines and media `media.loop` rows."""
    frames = [stats[["t_ns", "loop_lag_ms_max"]]] if "loop_lag_ms_max" in stats else []
    loops = folder.read_media("media.loop")
    if not loops.empty:
        frames.append(
            pd.DataFrame({"t_ns": loops["t_s"] * 1e9, "loop_lag_ms_max": loops["lag_ms_max"]})
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
