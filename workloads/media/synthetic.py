"""A synthetic moving source: a textured canvas panned along a Lissajous path, plus a test tone.

Cheap to produce (numpy slicing), busy enough that a CBR encoder spends its whole budget, so the
generated clips hit their target bitrate instead of undershooting on a static picture.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

Plane = npt.NDArray[np.uint8]

_NOISE_PERIOD_FRAMES = 7


def _texture(height: int, width: int, seed: int) -> Plane:
    """A canvas of smooth gradients, stripes and random blocks, twice the frame size."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width]
    waves = 64 * np.sin(xs / 23.0) + 48 * np.cos(ys / 17.0) + 32 * np.sin((xs + ys) / 41.0)
    blocks = rng.integers(0, 96, size=(height // 16 + 1, width // 16 + 1))
    blocky = np.kron(blocks, np.ones((16, 16)))[:height, :width]
    canvas: Plane = np.clip(96 + waves + blocky, 0, 255).astype(np.uint8)
    return canvas


class MovingPicture:
    """Yields yuv420p planes of a panning textured picture; frame `i` is deterministic."""

    def __init__(self, width_px: int, height_px: int, seed: int = 7) -> None:
        self.width_px = width_px
        self.height_px = height_px
        self._luma = _texture(2 * height_px, 2 * width_px, seed)
        self._cb = _texture(height_px, width_px, seed + 1)
        self._cr = _texture(height_px, width_px, seed + 2)
        rng = np.random.default_rng(seed + 3)
        self._noise = [
            rng.integers(-6, 7, size=(height_px, width_px), dtype=np.int16)
            for _ in range(_NOISE_PERIOD_FRAMES)
        ]

    def offset_px(self, index: int) -> tuple[int, int]:
        """Top-left corner of frame `index` on the canvas (x, y)."""
        t = index / 30.0
        x = (self.width_px / 2) * (1 + math.sin(0.9 * t))
        y = (self.height_px / 2) * (1 + math.sin(1.3 * t + 0.5))
        return int(x), int(y)

    def planes(self, index: int) -> tuple[Plane, Plane, Plane]:
        """Y, U and V planes of frame `index`."""
        x, y = self.offset_px(index)
        h, w = self.height_px, self.width_px
        luma = (
            self._luma[y : y + h, x : x + w].astype(np.int16)
            + self._noise[index % _NOISE_PERIOD_FRAMES]
        )
        cx, cy = x // 2, y // 2
        cb = self._cb[cy : cy + h // 2, cx : cx + w // 2]
        cr = self._cr[cy : cy + h // 2, cx : cx + w // 2]
        return np.clip(luma, 0, 255).astype(np.uint8), cb.copy(), cr.copy()


def test_tone(start_sample: int, count: int, rate_hz: int) -> npt.NDArray[np.int16]:
    """Mono s16 samples: a continuous sweep between 220 and 880 Hz with a little noise."""
    t = np.arange(start_sample, start_sample + count, dtype=np.float64) / rate_hz
    sweep_hz = 0.2
    phase = 2 * math.pi * 550 * t - (330 / sweep_hz) * np.cos(2 * math.pi * sweep_hz * t)
    rng = np.random.default_rng(start_sample)
    signal = 0.3 * np.sin(phase) + 0.02 * rng.standard_normal(count)
    return (signal * 32767).astype(np.int16)
