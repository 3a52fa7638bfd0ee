#!/usr/bin/env python3
"""Benchmark the messaging load generator against each backend's protocol client, beside the backend.

Runs real imbench runs (one Locust process, 1:1 chat) at rising offered rates against each backend
named by `--backend` (any messaging backend: `embedded`, `mosquitto`, ...; each speaks its own
protocol client) and prints, per step: messages per second achieved (sent + delivered), the
generator's and the backend's CPU core-seconds per 1,000 messages side by side (both over the same
1 s sampling intervals of the steady phase and the same messages, sent + delivered: median with
IQR), the generator's busiest 5 s, and whether the step kept up — so a slow client cannot pass for
a slow server. Goal: <= 0.1 generator core-s per 1,000 messages.

    .venv/bin/python scripts/bench_generator.py [--backend embedded,mosquitto] [--rates 5,10,20,30]
        [--users 200] [--duration 10] [--option mosquitto.qos=0]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from harness.backend_options import OPTIONS
from harness.backends import MODULES, MessagingBackend, create_backend
from harness.run import RunOptions, execute
from harness.scenario import KNOWN_BACKENDS, parse_scenario
from harness.store import RunFolder

GOAL_CORE_S_PER_1K = 0.1
SOURCES = ("generator-0", "backend")


def scenario(
    backend: str,
    options: dict[str, Any],
    users: int,
    rate_hz: float,
    duration_s: float,
    payload_bytes: int,
) -> dict[str, object]:
    doc: dict[str, object] = {
        "scenario": {
            "name": f"bench-{rate_hz:g}hz",
            "backend": backend,
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
    if options:
        doc["backend"] = {backend: options}
    return doc


def steady_figures(
    folder: RunFolder, start_ns: int, stop_ns: int
) -> tuple[dict[str, np.ndarray], float]:
    """Per source (generator, backend): CPU per 1,000 messages (sent + delivered) in each
    sampling interval of the window; and the messages per second."""
    data = folder.load()
    gen = data.samples[data.samples["source"] == SOURCES[0]].sort_values("t_ns")
    gen = gen[(gen["t_ns"] >= start_ns) & (gen["t_ns"] <= stop_ns)]
    edges = gen["t_ns"].to_numpy()
    msgs = (
        np.histogram(data.sent["t_ns"], bins=edges)[0]
        + np.histogram(data.recv["t_ns"], bins=edges)[0]
    )
    busy = msgs > 0
    rate = msgs.sum() / ((edges[-1] - edges[0]) / 1e9)
    per_1k = {}
    for source in SOURCES:
        rows = data.samples[data.samples["source"] == source].sort_values("t_ns")
        cpu_total = (rows["cpu_user_s"] + rows["cpu_system_s"]).to_numpy()
        cpu = np.interp(edges, rows["t_ns"].to_numpy(), cpu_total)  # onto the generator's edges
        per_1k[source] = 1000 * np.diff(cpu)[busy] / msgs[busy]
    return per_1k, float(rate)


def spread(values: np.ndarray) -> tuple[float, float, float]:
    if not len(values):
        return float("nan"), float("nan"), float("nan")
    return (
        float(np.median(values)),
        float(np.percentile(values, 25)),
        float(np.percentile(values, 75)),
    )


def run_step(
    results: Path,
    backend: str,
    options: dict[str, Any],
    users: int,
    rate_hz: float,
    duration_s: float,
    payload: int,
) -> dict[str, Any]:
    doc = scenario(backend, options, users, rate_hz, duration_s, payload)
    spec = parse_scenario(doc, "bench")
    result = execute(spec, RunOptions(results_dir=results, quiet=True))
    m = result.summary.to_json()["metrics"]
    manifest = result.folder.read_json("manifest.json")
    window = manifest["window_ns"]
    steady_start = window["load_start"] + int(3e9)  # past the 2 s ramp
    per_1k, achieved = steady_figures(result.folder, steady_start, window["send_stop"])
    for reason in result.reasons:
        print(f"  note: {reason}")
    return {
        "client": manifest.get("provision", {}).get("client", "?"),
        "offered": 2 * users * rate_hz,
        "achieved": achieved,
        "generator": spread(per_1k[SOURCES[0]]),
        "backend": spread(per_1k[SOURCES[1]]),
        "cpu_pct_max": m["generator.cpu_pct_max"]["value"],
        "ratio": m["messaging.delivery_ratio"]["value"],
        "latency_p99": m["messaging.e2e_latency_ms"]["p99"],
        "status": result.status,
    }


def parse_options(given: list[str], backends: list[str]) -> dict[str, dict[str, Any]]:
    """`--option NAME.KEY=VALUE` → {NAME: {KEY: VALUE}}, each checked against the backend's options."""
    options: dict[str, dict[str, Any]] = {}
    for item in given:
        target, _, value = item.partition("=")
        name, _, key = target.partition(".")
        known = {o.name: o for o in OPTIONS.get(name, ())}
        if name not in backends or key not in known or not value:
            raise SystemExit(f"--option {item!r}: must be BACKEND.KEY=VALUE for a --backend one")
        kind = known[key].kind
        options.setdefault(name, {})[key] = int(value) if kind == "integer" else value
    return options


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--backend",
        default="embedded",
        help=f"messaging backends, comma-separated (of: {', '.join(KNOWN_BACKENDS)})",
    )
    parser.add_argument(
        "--rates", default="5,10,20,30", help="per-user send rates (Hz), one step each"
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=float, default=10.0, help="steady seconds per step")
    parser.add_argument("--payload", type=int, default=150, help="message body bytes")
    parser.add_argument(
        "--option", action="append", default=[], help="a backend option: BACKEND.KEY=VALUE"
    )
    args = parser.parse_args()
    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    for name in backends:
        if name not in KNOWN_BACKENDS or name not in MODULES:
            parser.error(f"--backend {name!r}: must be one of {', '.join(KNOWN_BACKENDS)}")
        backend = create_backend(name)
        if not isinstance(backend, MessagingBackend):
            parser.error(f"--backend {name!r} is not a messaging backend")
        if (absent := backend.missing()) is not None:
            parser.error(f"--backend {name!r}: {absent}")
    options = parse_options(args.option, backends)
    print(
        f"{'backend':>10} {'client':>11} {'offered msg/s':>13} {'achieved':>9} "
        f"{'gen core-s/1k (median, IQR)':>30} {'backend core-s/1k (median, IQR)':>32} "
        f"{'gen CPU max':>11} {'delivery':>8} {'p99 ms':>7}  kept up"
    )
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="imbench-bench-") as tmp:
        for name in backends:
            for rate in (float(r) for r in args.rates.split(",")):
                s = run_step(
                    Path(tmp),
                    name,
                    options.get(name, {}),
                    args.users,
                    rate,
                    args.duration,
                    args.payload,
                )
                kept_up = (
                    s["status"] == "ok"
                    and s["ratio"] == 1.0
                    and s["achieved"] >= 0.95 * s["offered"]
                )
                if kept_up:
                    best[name] = max(best.get(name, 0.0), s["achieved"])
                g, b = s["generator"], s["backend"]
                print(
                    f"{name:>10} {s['client']:>11} {s['offered']:13.0f} {s['achieved']:9.0f} "
                    f"{g[0]:12.4f} ({g[1]:.4f}–{g[2]:.4f}) {b[0]:14.4f} ({b[1]:.4f}–{b[2]:.4f})"
                    f" {s['cpu_pct_max']:10.0f}% {s['ratio']:8.4f} {s['latency_p99']:7.2f}"
                    f"  {'yes' if kept_up else 'no (' + s['status'] + ')'}",
                    flush=True,
                )
    print()
    for name in backends:
        print(
            f"{name}: most messages/s one Locust process sustained here: "
            f"{best.get(name, 0.0):.0f} (sent + delivered)"
        )
    print(f"goal: <= {GOAL_CORE_S_PER_1K} generator core-s per 1,000 messages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
