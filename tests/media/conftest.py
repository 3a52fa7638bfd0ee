"""Media test helpers: a clip cache per test session, the embedded SFU as a real process, and
media driver processes whose JSONL records the tests judge."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from harness.drivers.media_driver import MediaDriverConfig
from workloads.media.records import StreamSample
from workloads.media.sink import read_samples


@pytest.fixture(scope="session")
def clip_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


class SfuProcess:
    def __init__(self, host: str = "127.0.0.1", netns: str | None = None) -> None:
        argv = [
            sys.executable,
            "-m",
            "harness.backends.embedded_sfu",
            "--host",
            host,
            "--port",
            "0",
        ]
        if netns:
            argv = ["ip", "netns", "exec", netns, *argv]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = json.loads(self.proc.stdout.readline())
        self.host, self.port = host, int(line["port"])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def sfu() -> Iterator[SfuProcess]:
    process = SfuProcess()
    try:
        yield process
    finally:
        process.stop()


def base_config(sfu: SfuProcess, out: Path, cache: Path, **fields: object) -> MediaDriverConfig:
    config = MediaDriverConfig(
        sfu_host=sfu.host,
        sfu_port=sfu.port,
        role="participant",
        peers=2,
        room_size=2,
        duration_s=8.0,
        out_path=str(out),
        clip_cache_dir=str(cache),
    )
    return replace(config, **fields)  # type: ignore[arg-type]


def start_driver(
    config: MediaDriverConfig, tmp: Path, netns: str | None = None
) -> subprocess.Popen[str]:
    path = tmp / f"driver-{config.generator}.json"
    path.write_text(config.to_json())
    argv = [sys.executable, "-m", "harness.drivers.media_driver", str(path)]
    if netns:
        argv = ["ip", "netns", "exec", netns, *argv]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, text=True)


def run_driver(config: MediaDriverConfig, tmp: Path) -> list[StreamSample]:
    proc = start_driver(config, tmp)
    assert proc.wait(config.duration_s + 60) == 0
    return read_samples(Path(config.out_path))


def warm_up_end_s(samples: list[StreamSample], warm_up_s: float = 2.0) -> float:
    """Monotonic time before which samples are warm-up: first sample end + warm_up_s."""
    return min(s.t_s for s in samples) + warm_up_s
