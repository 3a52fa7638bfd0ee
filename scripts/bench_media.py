#!/usr/bin/env python3
"""What the media generator costs: CPU-seconds per stream-second, and pairs per process.

    .venv/bin/python scripts/bench_media.py [--streams 24] [--sweep 24,40,56,64,72] [--json OUT]

1. Send and receive cost, separately: one process sends `--streams` 1.5 Mbps VP8 streams straight
   to a second process that receives them (no SFU). CPU comes from psutil `cpu_times()`
   (user+system) of each process, sampled every `--interval-s` after a warm-up; the figure is
   the median interval's CPU-s per wall-s divided by the number of streams.
2. Pairs per process: for each N of `--sweep`, one process holds N senders and their N receivers
   (loopback, in-process peer connections); N is sustained when every receive stream, over the
   measured window, lost no packet, ran at ≥ 29 fps and reached ≥ 90 % of the clip bitrate.
3. The embedded SFU's own CPU per forwarded stream-second, 1 publisher → `--sfu-viewers` viewers
   (publisher and viewers are media driver processes).

Targets (issue 4): ≤ 0.04 CPU-s per stream-second for a sender and a receiver together; ≥ 24
concurrent 1.5 Mbps pairs per process without loss. The machine is shared: run it on a quiet box.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from aiortc.contrib.media import MediaPlayer  # noqa: E402
from aiortc.mediastreams import MediaStreamTrack  # noqa: E402

from harness.backends.embedded_media import SfuProcess  # noqa: E402
from harness.backends.json_server import JsonServer, json_app, read_object  # noqa: E402
from harness.drivers.media_driver import MediaDriverConfig  # noqa: E402
from workloads.media import encoded  # noqa: E402
from workloads.media.clips import ensure_clip, video_spec  # noqa: E402
from workloads.media.codecs import force_codec  # noqa: E402
from workloads.media.direct import SinkPeer, direct_pair, offer_to_sink  # noqa: E402
from workloads.media.http_client import JsonClient  # noqa: E402
from workloads.media.judge import StreamVerdict, judge_streams  # noqa: E402
from workloads.media.netaddr import restrict_host_addresses  # noqa: E402
from workloads.media.packets import ClipPackets, load_packets  # noqa: E402
from workloads.media.peers import PeerLink, new_pc  # noqa: E402
from workloads.media.receiver import ReceiveStream  # noqa: E402
from workloads.media.records import StreamId  # noqa: E402
from workloads.media.session import MediaSession  # noqa: E402
from workloads.media.sink import JsonlSink, read_samples  # noqa: E402

BITRATE_BPS = 1_500_000
JOIN_INTERVAL_S = 0.05


@dataclass(frozen=True)
class CpuFigure:
    role: str
    streams: int
    cpu_core_s_per_s_median: float
    cpu_core_s_per_stream_s: float
    intervals: int


@dataclass(frozen=True)
class PairRun:
    pairs: int
    cpu_core_s_per_pair_s: float
    process_cpu_pct: float
    streams_ok: int
    packets_lost: int
    min_fps: float
    min_mbps: float
    rss_mb: float
    sustained: bool


# ---------------------------------------------------------------- workers (child processes)


def _clip(cache: str | None) -> list[ClipPackets]:
    spec = video_spec("vp8", "480p", BITRATE_BPS)
    return [load_packets(ensure_clip(spec, Path(cache) if cache else None))]


async def _worker(args: argparse.Namespace) -> None:
    restrict_host_addresses(["127.0.0.1"])
    encoded.install()
    session = MediaSession(JsonlSink(Path(args.out)))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    sampler = asyncio.create_task(session.run(1.0, stop))
    if args.worker == "recv":
        server = await JsonServer.start(_sink_app(SinkPeer(session)), "127.0.0.1", 0)
        print(json.dumps({"port": server.port}), flush=True)
    else:
        sink = JsonClient("127.0.0.1", args.port)
        sources = _clip(args.clip_cache)
        stock_path = _stock_clip_path(args.clip_cache)
        for i in range(args.n):
            if args.worker == "stock":
                session.links.extend(await _stock_pair(f"s{i}", stock_path))
            elif args.worker == "pair":
                session.links.extend(await direct_pair(f"s{i}", sources, start_index=7 * i))
            else:
                session.links.append(await offer_to_sink(sink, f"s{i}", sources, 7 * i))
            await asyncio.sleep(JOIN_INTERVAL_S)
        await sink.close()
        print(json.dumps({"joined": args.n}), flush=True)
    await stop.wait()
    await sampler
    await session.close()


def _sink_app(sink: SinkPeer) -> web.Application:
    """POST /offer → the sink peer's answer."""

    async def offer(request: web.Request) -> web.Response:
        return web.json_response(await sink.answer(await read_object(request)))

    app = json_app()
    app.router.add_post("/offer", offer)
    return app


def _stock_clip_path(cache: str | None) -> str:
    """A clip longer than a measurement: MediaPlayer(loop=True) would burst at every loop."""
    spec = video_spec("vp8", "480p", BITRATE_BPS, duration_s=60)
    return ensure_clip(spec, Path(cache) if cache else None).path


async def _stock_pair(name: str, clip_path: str) -> tuple[PeerLink, PeerLink]:
    """Stock aiortc: MediaPlayer(decode=False) sender (a demux thread each), decoding receiver."""
    player = MediaPlayer(clip_path, decode=False)
    send = PeerLink(new_pc(), asyncio.get_running_loop().time())
    assert player.video is not None
    force_codec(send.pc.addTransceiver(player.video, direction="sendonly"), "vp8")
    recv = PeerLink(new_pc(), send.started_s)

    @recv.pc.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        receiver = next(t.receiver for t in recv.pc.getTransceivers() if t.receiver.track is track)
        ident = StreamId(f"{name}-rx", f"{name}/video", "recv", "video", "vp8")
        recv.recv_streams.append(ReceiveStream(ident, receiver, track, recv.started_s, decode=True))

    await send.pc.setLocalDescription(await send.pc.createOffer())
    await recv.pc.setRemoteDescription(send.pc.localDescription)
    await recv.pc.setLocalDescription(await recv.pc.createAnswer())
    await send.pc.setRemoteDescription(recv.pc.localDescription)
    return send, recv


# ---------------------------------------------------------------- measuring (parent process)


def _spawn(
    worker: str, n: int, out: Path, cache: str | None, port: int = 0
) -> subprocess.Popen[str]:
    argv = [sys.executable, __file__, "--worker", worker, "--n", str(n), "--out", str(out)]
    argv += ["--port", str(port)] + (["--clip-cache", cache] if cache else [])
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)


def _first_line(proc: subprocess.Popen[str]) -> dict[str, int]:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"worker {proc.pid} exited with {proc.wait()} before it was ready")
    return dict(json.loads(line))


def _cpu_s(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


def _cpu_rates(
    pids: list[int], warmup_s: float, interval_s: float, count: int
) -> list[list[float]]:
    """Per process, CPU-s per wall-s of each of `count` intervals after `warmup_s`."""
    procs = [psutil.Process(pid) for pid in pids]
    time.sleep(warmup_s)
    rates: list[list[float]] = [[] for _ in procs]
    before = [(_cpu_s(p), time.monotonic()) for p in procs]
    for _ in range(count):
        time.sleep(interval_s)
        after = [(_cpu_s(p), time.monotonic()) for p in procs]
        for i, ((c0, t0), (c1, t1)) in enumerate(zip(before, after, strict=True)):
            rates[i].append((c1 - c0) / (t1 - t0))
        before = after
    return rates


def _stop(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _verdicts(out: Path, after_wall_s: float) -> list[StreamVerdict]:
    samples = [s for s in read_samples(out) if s.wall_utc_s > after_wall_s]
    return judge_streams(samples, {"video": BITRATE_BPS})


def measure_send_recv(
    args: argparse.Namespace, tmp: Path
) -> tuple[list[CpuFigure], list[StreamVerdict]]:
    n = args.streams
    recv = _spawn("recv", n, tmp / "recv.jsonl", args.clip_cache)
    procs = [recv]
    try:
        port = _first_line(recv)["port"]
        send = _spawn("send", n, tmp / "send.jsonl", args.clip_cache, port)
        procs.append(send)
        _first_line(send)
        start_wall_s = time.time() + args.warmup_s
        rates = _cpu_rates([send.pid, recv.pid], args.warmup_s, args.interval_s, args.intervals)
    finally:
        _stop(procs)
    figures = [
        CpuFigure(role, n, statistics.median(r), statistics.median(r) / n, len(r))
        for role, r in zip(("send", "recv"), rates, strict=True)
    ]
    return figures, _verdicts(tmp / "recv.jsonl", start_wall_s)


def measure_pairs(args: argparse.Namespace, n: int, tmp: Path, worker: str = "pair") -> PairRun:
    """N pairs in one process; `worker="stock"` is the stock-aiortc baseline (judged on loss and
    frame rate only: a decoding receiver does not see payload bytes)."""
    out = tmp / f"{worker}-{n}.jsonl"
    proc = _spawn(worker, n, out, args.clip_cache)
    try:
        _first_line(proc)
        start_wall_s = time.time() + args.warmup_s
        (rates,) = _cpu_rates([proc.pid], args.warmup_s, args.interval_s, args.intervals)
        rss_mb = psutil.Process(proc.pid).memory_info().rss / 2**20
    finally:
        _stop([proc])
    verdicts = _verdicts(out, start_wall_s)
    judge_bitrate = worker != "stock"
    ok = [
        v
        for v in verdicts
        if not v.lossy and not (judge_bitrate and v.under_target) and v.frames_per_s >= 29.0
    ]
    cpu = statistics.median(rates)
    return PairRun(
        pairs=n,
        cpu_core_s_per_pair_s=cpu / n,
        process_cpu_pct=100 * cpu,
        streams_ok=len(ok),
        packets_lost=sum(v.packets_lost for v in verdicts),
        min_fps=min((v.frames_per_s for v in verdicts), default=0.0),
        min_mbps=min((v.achieved_mbps for v in verdicts), default=0.0),
        rss_mb=rss_mb,
        sustained=len(verdicts) == n and len(ok) == n,
    )


def measure_sfu(args: argparse.Namespace, tmp: Path) -> tuple[CpuFigure, list[StreamVerdict]]:
    """Embedded SFU CPU per forwarded stream-second: 1 publisher → `--sfu-viewers` viewers."""
    sfu = SfuProcess()
    drivers = []
    try:
        roles = [("publisher", 1), ("viewer", args.sfu_viewers)]
        for g, (role, n) in enumerate(roles):
            config = MediaDriverConfig(
                role=role,
                peers=n,
                room_size=n,
                duration_s=600,
                join_rate_per_s=20,
                out_path=str(tmp / f"sfu-{role}.jsonl"),
                generator=g,
                sfu_host=sfu.host,
                sfu_port=sfu.port,
                clip_cache_dir=args.clip_cache,
            )
            (tmp / f"{role}.json").write_text(config.to_json())
            argv = [sys.executable, "-m", "harness.drivers.media_driver", str(tmp / f"{role}.json")]
            drivers.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, cwd=ROOT, text=True))
        time.sleep(2 + args.sfu_viewers / 20)  # joins
        start_wall_s = time.time() + args.warmup_s
        (rates,) = _cpu_rates([sfu.pid], args.warmup_s, args.interval_s, args.intervals)
    finally:
        _stop(drivers)
        sfu.stop()
    cpu = statistics.median(rates)
    figure = CpuFigure("sfu", args.sfu_viewers, cpu, cpu / args.sfu_viewers, len(rates))
    return figure, _verdicts(tmp / "sfu-viewer.jsonl", start_wall_s)


# ---------------------------------------------------------------- report


def _report(
    figures: list[CpuFigure],
    verdicts: list[StreamVerdict],
    runs: list[PairRun],
    sfu: tuple[CpuFigure, list[StreamVerdict]] | None,
) -> None:
    print(f"\n1. Separate processes, {figures[0].streams} streams of 1.5 Mbps VP8 480p (no SFU):")
    for f in figures:
        print(
            f"   {f.role:4s}: {f.cpu_core_s_per_s_median:.3f} CPU-s/s per process, "
            f"{f.cpu_core_s_per_stream_s:.4f} CPU-s per stream-second (median of {f.intervals})"
        )
    both = sum(f.cpu_core_s_per_stream_s for f in figures)
    print(f"   sender + receiver: {both:.4f} CPU-s per stream-second (target ≤ 0.04)")
    lost = sum(v.packets_lost for v in verdicts)
    mbps = statistics.mean(v.achieved_mbps for v in verdicts) if verdicts else 0.0
    print(
        f"   receive streams: {len(verdicts)}, mean {mbps:.3f} Mbps, lost {lost}, "
        f"all ok: {all(v.ok for v in verdicts)}"
    )
    _report_pairs(
        "2. Send+receive pairs in ONE process (packet-loop senders, counting receivers):", runs
    )
    if sfu:
        fig, seen = sfu
        print(
            f"\n3. Embedded SFU, 1 publisher → {fig.streams} viewers: {fig.cpu_core_s_per_s_median:.3f} "
            f"CPU-s/s, {fig.cpu_core_s_per_stream_s:.4f} CPU-s per forwarded stream-second; "
            f"viewers ok {sum(v.ok for v in seen)}/{len(seen)}, lost {sum(v.packets_lost for v in seen)}"
        )


def _report_pairs(title: str, runs: list[PairRun]) -> None:
    if not runs:
        return
    print(f"\n{title}")
    print(
        "   pairs  process CPU%  CPU-s/pair-s  streams ok  lost  min fps  min Mbps  RSS MB  sustained"
    )
    for r in runs:
        print(
            f"   {r.pairs:5d}  {r.process_cpu_pct:11.1f}  {r.cpu_core_s_per_pair_s:12.4f}  "
            f"{r.streams_ok:10d}  {r.packets_lost:4d}  {r.min_fps:7.1f}  {r.min_mbps:8.3f}  "
            f"{r.rss_mb:6.0f}  {r.sustained}"
        )
    best = max((r.pairs for r in runs if r.sustained), default=0)
    print(f"   most pairs sustained without loss: {best} (target ≥ 24; stock aiortc ≈ 16)")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--streams", type=int, default=24, help="streams in the send/recv measurement"
    )
    parser.add_argument(
        "--sweep", default="24,40,56,64,72", help="pair counts to try in one process"
    )
    parser.add_argument("--warmup-s", type=float, default=4.0)
    parser.add_argument("--interval-s", type=float, default=2.0)
    parser.add_argument("--intervals", type=int, default=5)
    parser.add_argument("--sfu-viewers", type=int, default=24, help="0 skips the SFU measurement")
    parser.add_argument("--clip-cache", default=None)
    parser.add_argument("--json", default=None, help="also write the figures as JSON here")
    parser.add_argument(
        "--stock-sweep",
        default="8,16,24",
        help="pair counts for the stock-aiortc baseline ('' skips)",
    )
    parser.add_argument(
        "--worker", choices=["send", "recv", "pair", "stock"], help=argparse.SUPPRESS
    )
    parser.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.worker:
        asyncio.run(_worker(args))
        return 0
    import tempfile

    _clip(args.clip_cache)  # generate once before anything is timed
    if args.stock_sweep:
        _stock_clip_path(args.clip_cache)
    with tempfile.TemporaryDirectory(prefix="bench-media-") as tmp:
        figures, verdicts = measure_send_recv(args, Path(tmp))
        runs = []
        for n in (int(x) for x in args.sweep.split(",")):
            runs.append(measure_pairs(args, n, Path(tmp)))
            if not runs[-1].sustained:
                break
        sfu = measure_sfu(args, Path(tmp)) if args.sfu_viewers else None
        stock = []
        for n in (int(x) for x in args.stock_sweep.split(",") if x):
            stock.append(measure_pairs(args, n, Path(tmp), worker="stock"))
            if not stock[-1].sustained:
                break
    _report(figures, verdicts, runs, sfu)
    _report_pairs(
        "4. Stock aiortc baseline, pairs in ONE process (MediaPlayer senders, decoding receivers):",
        stock,
    )
    if args.json:
        data = {
            "cpu": [asdict(f) for f in figures],
            "pairs": [asdict(r) for r in runs],
            "sfu": asdict(sfu[0]) if sfu else None,
            "stock_pairs": [asdict(r) for r in stock],
        }
        Path(args.json).write_text(json.dumps(data, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
