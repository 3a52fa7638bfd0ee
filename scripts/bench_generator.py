#!/usr/bin/env python3
"""Benchmark the messaging load generator itself: what one Locust process sustains, and what it costs.

Runs real imbench runs (embedded backend, one Locust process, 1:1 chat) at rising offered rates and
prints, per step: messages per second achieved (sent + delivered), the generator's CPU core-seconds
per 1,000 messages (median over 1 s sampling intervals of the steady phase, with IQR), its busiest
5 s, and whether the step kept up. Goal: <= 0.1 generator core-s per 1,000 messages.

    .venv/bin/python scripts/bench_generator.py [--rates 5,10,20,30] [--users 200] [--duration 10]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from harness.run import RunOptions, execute
from harness.scenario import parse_scenario
from harness.store import RunFolder

GOAL_CORE_S_PER_1K = 0.1


def scenario(
    users: int, rate_hz: float, duration_s: float, payload_bytes: int
) -> dict[str, object]:
    return {
        "scenario": {
            "name": f"bench-{rate_hz:g}hz",
            "duration_s": duration_s,
            "ramp_s": 2,
            "drain_s": 1,
        },
        "workload": [
            {
                "kind": "chat",
                "users": users,
                "send_rate_per_user_hz": rate_hz,
                "payload": {"distribution": "fixed", "bytes": payload_bytes},
            }
        ],
    }


def steady_figures(folder: RunFolder, start_ns: int, stop_ns: int) -> tuple[np.ndarray, float]:
    """Generator CPU per 1,000 messages (sent + delivered) per sampling interval, and msgs/s, in the window."""
    data = folder.load()
    gen = data.samples[data.samples["source"] == "generator-0"].sort_values("t_ns")
    gen = gen[(gen["t_ns"] >= start_ns) & (gen["t_ns"] <= stop_ns)]
    edges = gen["t_ns"].to_numpy()
    cpu = (gen["cpu_user_s"] + gen["cpu_system_s"]).to_numpy()
    msgs = (
        np.histogram(data.sent["t_ns"], bins=edges)[0]
        + np.histogram(data.recv["t_ns"], bins=edges)[0]
    )
    busy = msgs > 0
    rate = msgs.sum() / ((edges[-1] - edges[0]) / 1e9)
    return 1000 * np.diff(cpu)[busy] / msgs[busy], float(rate)


def run_step(
    results: Path, users: int, rate_hz: float, duration_s: float, payload: int
) -> dict[str, float]:
    spec = parse_scenario(scenario(users, rate_hz, duration_s, payload), "bench")
    result = execute(spec, RunOptions(results_dir=results, quiet=True))
    m = result.summary.to_json()["metrics"]
    manifest = result.folder.read_json("manifest.json")
    window = manifest["window_ns"]
    steady_start = window["load_start"] + int(3e9)  # past the 2 s ramp
    per_1k, achieved = steady_figures(result.folder, steady_start, window["send_stop"])
    for reason in result.reasons:
        print(f"  note: {reason}")
    return {
        "offered": 2 * users * rate_hz,
        "achieved": achieved,
        "median": float(np.median(per_1k)) if len(per_1k) else float("nan"),
        "p25": float(np.percentile(per_1k, 25)) if len(per_1k) else float("nan"),
        "p75": float(np.percentile(per_1k, 75)) if len(per_1k) else float("nan"),
        "cpu_pct_max": m["generator.cpu_pct_max"]["value"],
        "ratio": m["messaging.delivery_ratio"]["value"],
        "latency_p99": m["messaging.e2e_latency_ms"]["p99"],
        "backend_cpu_per_1k": m["backend.cpu_core_s_per_1k_delivered_msgs"]["value"],
        "status": result.status,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rates", default="5,10,20,30", help="per-user send rates (Hz), one step each"
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=float, default=10.0, help="steady seconds per step")
    parser.add_argument("--payload", type=int, default=150, help="message body bytes")
    args = parser.parse_args()
    print(
        f"{'offered msg/s':>13} {'achieved':>9} {'gen core-s/1k (median, IQR)':>30} {'gen CPU max':>11} "
        f"{'delivery':>8} {'p99 ms':>7} {'backend core-s/1k':>17}  kept up"
    )
    best = 0.0
    with tempfile.TemporaryDirectory(prefix="imbench-bench-") as tmp:
        for rate in (float(r) for r in args.rates.split(",")):
            s = run_step(Path(tmp), args.users, rate, args.duration, args.payload)
            kept_up = (
                s["status"] == "ok" and s["ratio"] == 1.0 and s["achieved"] >= 0.95 * s["offered"]
            )
            if kept_up:
                best = max(best, s["achieved"])
            print(
                f"{s['offered']:13.0f} {s['achieved']:9.0f} {s['median']:12.4f} ({s['p25']:.4f}–{s['p75']:.4f})"
                f" {s['cpu_pct_max']:10.0f}% {s['ratio']:8.4f} {s['latency_p99']:7.2f} {s['backend_cpu_per_1k']:17.4f}"
                f"  {'yes' if kept_up else 'no (' + s['status'] + ')'}",
                flush=True,
            )
    print(f"\nmost messages/s one Locust process sustained here: {best:.0f} (sent + delivered)")
    print(f"goal: <= {GOAL_CORE_S_PER_1K} generator core-s per 1,000 messages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
