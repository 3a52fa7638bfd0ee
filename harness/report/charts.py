"""The report's charts: matplotlib figures rendered to inline SVG text (no JavaScript, no file,
no request). Pure apart from matplotlib's own rendering: data in, SVG text out.

matplotlib is used through its object API (`matplotlib.figure.Figure`), never pyplot, so no
global figure state exists; its settings are scoped with `rc_context`. Text stays text in the SVG
(`svg.fonttype = none`: smaller, and readable by the page's reader), ids are made unique per chart
so several SVGs live in one page, and the output is deterministic (fixed hash salt, no date).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter
from matplotlib.typing import RcKeyType

from harness.report.series import Panel, Phase, StreamRow, quantiles

WIDTH_IN = 9.0
PANEL_HEIGHT_IN = 1.9
BAR_HEIGHT_IN = 0.26
RC: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 8.5,
    "axes.titlesize": 9.5,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.fontsize": 7.5,
    "legend.frameon": False,
}
CATEGORY_COLOURS = {
    "rtc": "#1f77b4",
    "chat": "#2ca02c",
    "signaling": "#9467bd",
    "pubsub": "#8c564b",
    "selfhost": "#ff7f0e",
    "ai": "#7f7f7f",
}
UNDER_COLOUR, OK_COLOUR = "#d62728", "#1f77b4"


def svg_of(fig: Figure, key: str, label: str) -> str:
    """The figure as an inline `<svg>` element labelled `label`, its ids prefixed with `key`."""
    buf = io.StringIO()
    with rc_context({**RC, "svg.hashsalt": key}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = re.sub(r'\bid="', f'id="{key}-', text)
    text = re.sub(r'(href=")#', rf"\1#{key}-", text)
    text = text.replace("url(#", f"url(#{key}-")
    return text.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)


def _figure(height_in: float) -> Figure:
    with rc_context(RC):
        return Figure(figsize=(WIDTH_IN, height_in), layout="constrained")


def _legend(ax: Axes) -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))


def time_chart(panels: Sequence[Panel], marks: Sequence[Phase], title: str, key: str) -> str:
    """Stacked panels over seconds since load start, the run's phases as dotted lines."""
    with rc_context(RC):
        fig = _figure(PANEL_HEIGHT_IN * len(panels) + 0.5)
        axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
        for ax, panel in zip(axes, panels, strict=True):
            for line in panel.lines:
                ax.plot(
                    line.t_s, line.values, "--" if line.dashed else "-", lw=1.3, label=line.label
                )
            ax.set_title(panel.title, loc="left")
            ax.set_ylabel(panel.unit)
            ax.set_ylim(bottom=0)
            for phase in marks:
                ax.axvline(phase.t_s, color="#555555", ls=":", lw=1)
            _legend(ax)
        axes[-1].set_xlabel("seconds since load start")
        fig.suptitle(title, x=0.0, ha="left", fontsize=10)
        return svg_of(fig, key, title)


def _plain(x: float, _pos: int | None = None) -> str:
    return f"{x:g}"


def _minor(x: float, _pos: int | None = None) -> str:
    """Label the 2s and 5s between decades, so a short log axis still reads."""
    lead = x / 10 ** np.floor(np.log10(x)) if x > 0 else 0
    return f"{x:g}" if round(lead) in (2, 5) else ""


def cdf_chart(samples: Mapping[str, Any], title: str, unit: str, key: str) -> str:
    """Empirical CDFs on a log axis, one line per series (through CDF_POINTS quantiles)."""
    with rc_context(RC):
        fig = _figure(3.0)
        ax = fig.subplots()
        for label, values in samples.items():
            at, fraction = quantiles(values)
            ax.plot(np.maximum(at, 1e-3), fraction, lw=1.4, label=f"{label} (n={len(values):,})")
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(_plain))
        ax.xaxis.set_minor_formatter(FuncFormatter(_minor))
        ax.set_xlabel(unit + " (log scale)")
        ax.set_ylabel("fraction at or below")
        ax.set_ylim(0, 1.02)
        for q in (0.5, 0.95, 0.99):
            ax.axhline(q, color="#999999", lw=0.6, ls=":")
        ax.set_title(title, loc="left")
        _legend(ax)
        return svg_of(fig, key, title)


def stream_chart(rows: Sequence[StreamRow], title: str, key: str) -> str:
    """Each receive stream's achieved bitrate, its target (black) and 90 % of it (red)."""
    with rc_context(RC):
        fig = _figure(BAR_HEIGHT_IN * len(rows) + 1.2)
        ax = fig.subplots()
        y = np.arange(len(rows))[::-1]
        colours = [UNDER_COLOUR if r.under_target else OK_COLOUR for r in rows]
        ax.barh(y, [r.achieved_mbps for r in rows], color=colours, height=0.65)
        for yi, row in zip(y, rows, strict=True):
            if row.target_mbps > 0:
                ax.vlines(row.target_mbps, yi - 0.4, yi + 0.4, color="black", lw=1.6)
                ax.vlines(0.9 * row.target_mbps, yi - 0.4, yi + 0.4, color=UNDER_COLOUR, ls="--")
        ax.set_yticks(y, [f"{r.receiver} ← {r.stream}" for r in rows])
        ax.set_xlabel("Mbps achieved over the steady window (black: target; red dashed: 90 %)")
        ax.set_title(title, loc="left")
        ax.grid(axis="y", visible=False)
        return svg_of(fig, key, title)


@dataclass(frozen=True)
class CostBar:
    label: str
    category: str
    usd: float
    lower_bound: bool
    text: str
    """The amount as the tables write it (`$0.3990`, `≥ $0.0269` for a lower bound)."""


def cost_chart(bars: Sequence[CostBar], title: str, key: str) -> str:
    """Horizontal bars grouped by category; a lower bound (partial coverage) is hatched."""
    with rc_context(RC):
        fig = _figure(BAR_HEIGHT_IN * len(bars) + 1.2)
        ax = fig.subplots()
        y = np.arange(len(bars))[::-1]
        for yi, bar in zip(y, bars, strict=True):
            colour = CATEGORY_COLOURS.get(bar.category, "#333333")
            ax.barh(yi, bar.usd, color=colour, height=0.65, hatch="///" if bar.lower_bound else "")
            ax.annotate(
                f" {bar.text}", (bar.usd, yi), va="center", fontsize=7, annotation_clip=False
            )
        handles = [
            Patch(color=colour, label=category)
            for category, colour in CATEGORY_COLOURS.items()
            if any(b.category == category for b in bars)
        ]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_yticks(y, [b.label for b in bars])
        ax.set_xlabel("USD per peak concurrent user per month (hatched: lower bound)")
        ax.set_title(title, loc="left")
        ax.grid(axis="y", visible=False)
        ax.margins(x=0.18)
        return svg_of(fig, key, title)
