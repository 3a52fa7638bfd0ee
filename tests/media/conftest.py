"""Media test fixtures: a clip cache per session, the embedded SFU as a real process, a
`drive` function that runs a media driver process and returns its judged records, and a run
network (namespace + veth; root only) for real backends."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from harness.backends.embedded_media import SfuProcess
from harness.drivers.media_driver import MediaDriverConfig
from harness.network import TestNetwork, create_network, remove_network
from tests.requirements import require_root
from workloads.media.records import StreamSample
from workloads.media.sink import read_samples

Drive = Callable[..., list[StreamSample]]


@pytest.fixture(scope="session")
def clip_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture
def sfu() -> Iterator[SfuProcess]:
    process = SfuProcess()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def media_out(tmp_path: Path) -> Path:
    """The record file the `drive` fixture's driver writes."""
    return tmp_path / "media.jsonl"


@pytest.fixture
def drive(sfu: SfuProcess, tmp_path: Path, clip_cache: Path, media_out: Path) -> Drive:
    """Run one media driver process against `sfu` to completion; returns its samples."""

    def run(**fields: object) -> list[StreamSample]:
        config = MediaDriverConfig(
            sfu_host=sfu.host,
            sfu_port=sfu.port,
            role="participant",
            peers=2,
            room_size=2,
            duration_s=8.0,
            out_path=str(media_out),
            clip_cache_dir=str(clip_cache),
        )
        config = replace(config, **fields)  # type: ignore[arg-type]
        path = tmp_path / "driver.json"
        path.write_text(config.to_json())
        argv = [sys.executable, "-m", "harness.drivers.media_driver", str(path)]
        code = subprocess.run(argv, stdout=subprocess.DEVNULL, timeout=config.duration_s + 60)
        assert code.returncode == 0
        return read_samples(Path(config.out_path))

    return run


@pytest.fixture
def run_net() -> Iterator[TestNetwork]:
    """A run network as `imbench run` makes it (namespace + veth), removed afterwards."""
    require_root()
    net = create_network("netns", source="tests/media")
    try:
        yield net
    finally:
        remove_network(net)
