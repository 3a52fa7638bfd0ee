"""End-to-end runs: real embedded server in a real namespace, real Locust generators, real meters."""

from __future__ import annotations

import json
import signal
import socket
import struct
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from harness.kernel import exitcodes
from harness.kernel.errors import HarnessCrash
from harness.network import NET_LOOPBACK, NET_NETNS, TestNetwork
from harness.run import RunOptions, execute
from harness.scenario import load_scenario, parse_scenario
from tests.conftest import IMBENCH, needs_root
from tests.requirements import require_binary

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def pcap_frames(path: Path) -> Iterator[tuple[int, bytes]]:
    """(original length, captured bytes) of every frame in a classic pcap file."""
    data = path.read_bytes()
    endian = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    pos = 24
    while pos + 16 <= len(data):
        _sec, _usec, incl, orig = struct.unpack(endian + "IIII", data[pos : pos + 16])
        yield orig, data[pos + 16 : pos + 16 + incl]
        pos += 16 + incl


def pcap_bytes(path: Path) -> int:
    """Sum of original frame lengths in a classic pcap file."""
    return sum(orig for orig, _frame in pcap_frames(path))


class VethCapture:
    """tcpdump on the run's veth, started from the run's on_network_ready hook."""

    def __init__(self, path: Path, snaplen: int = 0) -> None:
        self.path = path
        self.snaplen = snaplen
        """Bytes kept of each frame (0: all); a frame's original length is kept whatever it is."""
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, net: TestNetwork) -> None:
        argv = ["tcpdump", "-i", net.meter_interface, "-n", "-U", "-s", str(self.snaplen)]
        self.proc = subprocess.Popen(
            [*argv, "-w", str(self.path)],
            stderr=subprocess.PIPE,
        )
        assert self.proc.stderr is not None
        assert b"listening on" in self.proc.stderr.readline()

    def stop(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(10)


@needs_root
def test_a_namespace_run_is_ok_measures_every_figure_and_its_wire_meter_matches_a_capture(
    tmp_path: Path, scenario_file: Callable[..., Path], leaves_nothing_behind: None
) -> None:
    require_binary("tcpdump", install="scripts/bootstrap")
    capture = VethCapture(tmp_path / "veth.pcap")

    options = RunOptions(
        results_dir=tmp_path / "results", quiet=True, on_network_ready=capture.start
    )
    result = execute(load_scenario(scenario_file(duration_s=8)), options)
    capture.stop()

    assert result.status == "ok", result.reasons
    summary = result.summary
    assert summary.net_method == NET_NETNS
    metrics = summary.metrics
    assert metrics["messaging.delivery_ratio"].value == 1.0
    for name, metric in metrics.items():
        figure = metric.value if metric.stats is None else metric.stats.p50
        if name.endswith(("lost", "duplicates", "reordered")):
            assert figure == 0, name
        else:
            assert figure is not None and figure > 0, (name, metric)
            assert metric.unit and metric.n > 0, name
    assert (
        metrics["wire.bytes_per_delivered_msg"].value
        > metrics["messaging.payload_bytes_mean"].value
    )

    meter_bytes = metrics["wire.bytes_total"].value
    captured = pcap_bytes(capture.path)
    assert captured > 100_000
    assert abs(meter_bytes - captured) / captured < 0.02, (meter_bytes, captured)

    folder = result.folder.path
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (
        manifest["status"] == "ok"
        and manifest["end_utc"]
        and len(manifest["scenario_sha256"]) == 64
    )
    assert manifest["packages"]["locust"] != "not installed"
    delivered = pd.read_parquet(folder / "deliveries.parquet")
    assert len(delivered) == metrics["messaging.messages_delivered"].value
    samples = pd.read_parquet(folder / "samples.parquet")
    assert set(samples["source"]) == {"backend", "generator-0", "wire", "storage"}
    backend_times = samples[samples["source"] == "backend"]["t_ns"].diff().dropna() / 1e9
    assert backend_times.median() <= 1.05, "meters sample at >= 1 Hz"


def test_a_loopback_run_with_two_generators_says_its_figures_are_approximate(
    tmp_path: Path, scenario_file: Callable[..., Path], leaves_nothing_behind: None
) -> None:
    options = RunOptions(results_dir=tmp_path / "results", quiet=True)
    result = execute(
        load_scenario(scenario_file(mode="loopback", processes=2, duration_s=4)), options
    )
    assert result.status == "ok", result.reasons
    assert result.summary.net_method == NET_LOOPBACK
    assert result.summary.metrics["messaging.delivery_ratio"].value == 1.0
    assert {p.name for p in (result.folder.raw).glob("sent-*.csv")} == {"sent-0.csv", "sent-1.csv"}

    shown = subprocess.run(
        [*IMBENCH, "show", str(result.folder.path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert shown.returncode == exitcodes.OK
    assert "status   ok" in shown.stdout and "delivery ratio" in shown.stdout
    network = next(line for line in shown.stdout.splitlines() if line.startswith("network  "))
    assert network.startswith("network  loopback-shared (approximate: measured on shared loopback")
    assert "so its figures are approximate" in network


def _only_run(results: Path) -> Path:
    runs = [p for p in results.iterdir() if p.is_dir()]
    assert len(runs) == 1
    return runs[0]


def test_an_exception_in_the_harness_cleans_up_and_marks_the_run_an_error(
    tmp_path: Path, scenario_file: Callable[..., Path], leaves_nothing_behind: None
) -> None:
    def explode(net: TestNetwork) -> None:
        raise RuntimeError("injected harness fault")

    options = RunOptions(results_dir=tmp_path / "results", quiet=True, on_network_ready=explode)
    with pytest.raises(HarnessCrash, match="injected harness fault") as crash:
        execute(load_scenario(scenario_file()), options)
    assert isinstance(crash.value.__cause__, RuntimeError)
    run = _only_run(tmp_path / "results")
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "error"
    assert manifest["reasons"] == ["harness error: RuntimeError('injected harness fault')"]
    assert json.loads((run / "summary.json").read_text())["partial"] is True
    assert crash.value.log_path == run / "harness-error.log"
    assert "RuntimeError: injected harness fault" in (run / "harness-error.log").read_text()


def test_locust_web_ui_serves_its_own_request_stats_during_a_run(
    tmp_path: Path, scenario_file: Callable[..., Path], leaves_nothing_behind: None
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [
            *IMBENCH,
            "run",
            str(scenario_file(mode="loopback", duration_s=8)),
            "--locust-web",
            str(port),
            "--results-dir",
            str(tmp_path / "results"),
            "--quiet",
            "--no-cost",
            "--no-report",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    seen: dict[str, int] = {}
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/stats/requests", timeout=2
            ) as reply:
                stats = json.load(reply)["stats"]
            seen = {row["name"]: row["num_requests"] for row in stats}
            if seen.get("chat.recv", 0) > 50 and seen.get("group.recv", 0) > 50:
                break
        except OSError:
            pass
        time.sleep(0.5)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == exitcodes.OK, out
    assert (
        seen.get("chat.send", 0) > 0
        and seen.get("chat.recv", 0) > 50
        and seen.get("group.recv", 0) > 50
    ), seen
    run = _only_run(tmp_path / "results")
    locust_stats = json.loads((run / "raw" / "locust-0.json").read_text())
    assert locust_stats["embedded-ws chat.recv"]["num_requests"] > 0


def pcap_tcp_port_bytes(path: Path, port: int) -> int:
    """Sum of frame lengths of IPv4/TCP frames to or from `port` in a classic Ethernet pcap."""
    total = 0
    for orig, frame in pcap_frames(path):
        if len(frame) < 38 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
            continue
        ihl = (frame[14] & 0x0F) * 4
        sport, dport = struct.unpack("!HH", frame[14 + ihl : 18 + ihl])
        if port in (sport, dport):
            total += orig
    return total


@needs_root
def test_with_media_on_the_wire_the_messaging_port_meter_matches_a_capture_of_that_port(
    tmp_path: Path, leaves_nothing_behind: None
) -> None:
    require_binary("tcpdump", install="scripts/bootstrap")
    require_binary("nft", install="scripts/bootstrap")
    capture = VethCapture(tmp_path / "veth.pcap")

    doc = {
        "scenario": {"name": "mixed", "duration_s": 8, "ramp_s": 2, "drain_s": 1},
        "network": {"mode": "netns"},
        "workload": [
            {"kind": "chat", "users": 20, "send_rate_per_user_hz": 4.0},
            {"kind": "video", "users": 2, "room_size": 2, "bitrate_mbps": 1.0},
        ],
    }
    options = RunOptions(
        results_dir=tmp_path / "results", quiet=True, on_network_ready=capture.start
    )
    result = execute(parse_scenario(doc, "mixed"), options)
    capture.stop()
    assert result.status == "ok", result.reasons
    port = result.folder.read_json("manifest.json")["methods"]["wire_messaging_port"]
    metered = result.summary.metrics["wire.bytes_total"].value
    captured = pcap_tcp_port_bytes(capture.path, port)
    assert captured > 50_000
    assert abs(metered - captured) / captured < 0.02, (metered, captured)
    assert result.summary.metrics["video.wire_mbps"].value > 2.0  # the veth carried the video too
