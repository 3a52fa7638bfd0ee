"""Constant-bitrate clips, generated once with PyAV from the synthetic source and cached on disk.

A clip is named by everything that shapes its bytes (`ClipSpec.key`), so a cached file is reused
only when codec, resolution, bitrate, frame rate, duration and keyframe interval all match. Next to
each clip a JSON sidecar holds what was achieved (`ClipInfo`): a 1.5 Mbps target that came out at
1.3 Mbps is reported as 1.3, never as 1.5.

Containers: VP8 in IVF, H.264 (constrained baseline, Annex-B) in MPEG-TS — raw .h264 has no
timestamps and MP4 framing breaks aiortc's packetizer — and Opus in Ogg.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from harness.kernel.errors import BadInput
from workloads.media.synthetic import MovingPicture, test_tone

DEFAULT_CACHE_DIR = Path("~/.cache/imbench/clips")
GENERATOR_VERSION = 3
"""Bump when the generator changes the bytes it writes; old cache entries are then ignored."""

VIDEO_CODECS = ("vp8", "h264")
AUDIO_CODECS = ("opus",)
RESOLUTIONS_PX = {"480p": (640, 480), "720p": (1280, 720)}
_EXTENSIONS = {"vp8": "ivf", "h264": "ts", "opus": "ogg"}
_FORMATS = {"vp8": "ivf", "h264": "mpegts", "opus": "ogg"}
_OPUS_RATE_HZ = 48_000
_OPUS_FRAME_SAMPLES = 960  # 20 ms


@dataclass(frozen=True)
class ClipSpec:
    """What a clip must be. Audio clips ignore width, height and keyframe interval."""

    codec: str
    bitrate_bps: int
    duration_s: int = 10
    width_px: int = 640
    height_px: int = 480
    fps: int = 30
    keyframe_interval_s: float = 1.0

    @property
    def kind(self) -> str:
        return "audio" if self.codec in AUDIO_CODECS else "video"

    @property
    def key(self) -> str:
        """File stem naming every parameter that shapes the bytes."""
        kbps = self.bitrate_bps // 1000
        if self.kind == "audio":
            return f"{self.codec}-{kbps}k-{self.duration_s}s-v{GENERATOR_VERSION}"
        kf_ms = round(self.keyframe_interval_s * 1000)
        size = f"{self.width_px}x{self.height_px}"
        rate = f"{kbps}k-{self.fps}fps-{self.duration_s}s-kf{kf_ms}ms"
        return f"{self.codec}-{size}-{rate}-v{GENERATOR_VERSION}"

    @property
    def file_name(self) -> str:
        return f"{self.key}.{_EXTENSIONS[self.codec]}"


@dataclass(frozen=True)
class ClipInfo:
    """A generated clip and what it achieved (measured from its own packets)."""

    path: str
    codec: str
    kind: str
    target_bitrate_bps: int
    achieved_bitrate_bps: float
    duration_s: float
    packets: int
    keyframes: int
    max_keyframe_gap_s: float

    @property
    def bitrate_error_pct(self) -> float:
        return 100.0 * (self.achieved_bitrate_bps / self.target_bitrate_bps - 1.0)


def video_spec(
    codec: str, resolution: str, bitrate_bps: int, duration_s: int = 10, fps: int = 30
) -> ClipSpec:
    """A video ClipSpec from a resolution name ('480p', '720p'), validated."""
    if resolution not in RESOLUTIONS_PX:
        raise BadInput("clip", "resolution", resolution, f"one of {sorted(RESOLUTIONS_PX)}")
    width_px, height_px = RESOLUTIONS_PX[resolution]
    spec = ClipSpec(codec, bitrate_bps, duration_s, width_px, height_px, fps)
    validate(spec)
    return spec


def validate(spec: ClipSpec) -> None:
    """Reject a spec the generator cannot honour, naming the field and what is accepted."""
    if spec.codec not in VIDEO_CODECS + AUDIO_CODECS:
        raise BadInput("clip", "codec", spec.codec, f"one of {VIDEO_CODECS + AUDIO_CODECS}")
    if not 8_000 <= spec.bitrate_bps <= 20_000_000:
        raise BadInput("clip", "bitrate_bps", spec.bitrate_bps, "8000 … 20000000")
    if not 2 <= spec.duration_s <= 600:
        raise BadInput("clip", "duration_s", spec.duration_s, "2 … 600 seconds")
    if spec.kind == "video" and not 1.0 <= spec.keyframe_interval_s <= 2.0:
        raise BadInput("clip", "keyframe_interval_s", spec.keyframe_interval_s, "1.0 … 2.0 s")
    if spec.kind == "video" and (spec.width_px % 2 or spec.height_px % 2):
        raise BadInput("clip", "width_px/height_px", (spec.width_px, spec.height_px), "even sizes")


def ensure_clip(spec: ClipSpec, cache_dir: Path | None = None) -> ClipInfo:
    """The cached clip for `spec`, generating it first if it is missing or its sidecar is stale."""
    validate(spec)
    folder = (cache_dir or DEFAULT_CACHE_DIR).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / spec.file_name
    sidecar = path.with_suffix(".json")
    if path.exists() and sidecar.exists():
        return ClipInfo(**json.loads(sidecar.read_text()))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        _write_clip(spec, tmp)
        info = ClipInfo(**{**asdict(measure_clip(tmp, spec.bitrate_bps)), "path": str(path)})
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _write_atomically(sidecar, json.dumps(asdict(info), indent=1))
    return info


def _write_atomically(path: Path, text: str) -> None:
    """Concurrent drivers may generate the same clip; readers never see a half-written file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _write_clip(spec: ClipSpec, path: Path) -> None:
    with av.open(str(path), "w", format=_FORMATS[spec.codec]) as container:
        if spec.kind == "audio":
            _encode_audio(container, spec)
        else:
            _encode_video(container, spec)


def _video_stream(container: av.container.OutputContainer, spec: ClipSpec) -> av.VideoStream:
    encoder = "libvpx" if spec.codec == "vp8" else "libx264"
    stream = container.add_stream(encoder, rate=spec.fps)
    assert isinstance(stream, av.VideoStream)
    stream.width, stream.height, stream.pix_fmt = spec.width_px, spec.height_px, "yuv420p"
    stream.bit_rate = spec.bitrate_bps
    gop = round(spec.keyframe_interval_s * spec.fps)
    stream.codec_context.gop_size = gop
    rate = str(spec.bitrate_bps)
    common = {"minrate": rate, "maxrate": rate, "bufsize": rate}
    if spec.codec == "vp8":
        stream.options = {
            **common,
            "deadline": "good",  # realtime adapts its speed to the CPU left: not reproducible
            "cpu-used": "8",
            "lag-in-frames": "0",
            "undershoot-pct": "100",
            "overshoot-pct": "15",
            "keyint_min": str(gop),
            "rc_init_occupancy": rate,  # start with a full buffer: short clips undershoot otherwise
        }
    else:
        stream.codec_context.profile = "Constrained Baseline"
        stream.options = {
            **common,
            "bufsize": str(spec.bitrate_bps // 2),  # a full-second VBV overshoots by ~4 %
            "preset": "veryfast",
            "tune": "zerolatency",
            "level": "31",
            "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0:nal-hrd=cbr",
        }
    return stream


def _encode_video(container: av.container.OutputContainer, spec: ClipSpec) -> None:
    stream = _video_stream(container, spec)
    picture = MovingPicture(spec.width_px, spec.height_px)
    rows = spec.height_px // 4
    for index in range(spec.duration_s * spec.fps):
        luma, cb, cr = picture.planes(index)
        stacked = np.concatenate([luma, cb.reshape(rows, -1), cr.reshape(rows, -1)])
        frame = av.VideoFrame.from_ndarray(stacked, format="yuv420p")
        frame.pts = index
        frame.time_base = Fraction(1, spec.fps)
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def _encode_audio(container: av.container.OutputContainer, spec: ClipSpec) -> None:
    stream = container.add_stream("libopus", rate=_OPUS_RATE_HZ)
    assert isinstance(stream, av.AudioStream)
    stream.bit_rate = spec.bitrate_bps
    stream.layout = "mono"
    stream.options = {"application": "voip", "frame_duration": "20", "vbr": "off"}
    total = spec.duration_s * _OPUS_RATE_HZ
    for start in range(0, total, _OPUS_FRAME_SAMPLES):
        samples = test_tone(start, _OPUS_FRAME_SAMPLES, _OPUS_RATE_HZ)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts = _OPUS_RATE_HZ, start
        frame.time_base = Fraction(1, _OPUS_RATE_HZ)
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def measure_clip(path: Path, target_bitrate_bps: int) -> ClipInfo:
    """Achieved bitrate, keyframes and duration, from the clip's demuxed packets."""
    with av.open(str(path)) as container:
        stream = container.streams[0]
        sizes, key_times_s, times_s = [], [], []
        for packet in container.demux(stream):
            if packet.size == 0 or packet.pts is None:
                continue
            t_s = float(packet.pts * packet.time_base)
            sizes.append(packet.size)
            times_s.append(t_s)
            if packet.is_keyframe:
                key_times_s.append(t_s)
        codec = stream.codec_context.name
        kind = stream.type
    step_s = (max(times_s) - min(times_s)) / max(len(times_s) - 1, 1)
    duration_s = max(times_s) - min(times_s) + step_s
    gaps = [
        b - a
        for a, b in zip(key_times_s, [*key_times_s[1:], min(times_s) + duration_s], strict=True)
    ]
    return ClipInfo(
        path=str(path),
        codec={"libvpx": "vp8", "vp8": "vp8", "h264": "h264", "opus": "opus"}.get(codec, codec),
        kind=kind,
        target_bitrate_bps=target_bitrate_bps,
        achieved_bitrate_bps=8 * sum(sizes) / duration_s,
        duration_s=duration_s,
        packets=len(sizes),
        keyframes=len(key_times_s),
        max_keyframe_gap_s=max(gaps) if gaps else duration_s,
    )
