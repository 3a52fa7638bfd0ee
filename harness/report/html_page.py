"""A report as one self-contained HTML page: inline CSS and inline SVG, no script, no font, no
image file, no link that loads anything. Its Content-Security-Policy forbids every fetch, so a
page that tried one would show the attempt as an error rather than go to the network. Pure."""

from __future__ import annotations

from html import escape

from harness.report.document import Block, Chart, Report, Section, Table
from harness.report.marks import Mark

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
       color: #1b1b1b; background: #fff; margin: 0 auto; padding: 1.5em 2em 4em; max-width: 78em; }
h1 { font-size: 1.5em; margin: 0 0 .3em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #1f4e79; padding-bottom: .2em; margin-top: 2.2em; }
h3 { font-size: 1.1em; margin-top: 1.8em; color: #1f4e79; }
.colophon { color: #555; font-size: .9em; }
.mark { display: inline-block; background: #b00020; color: #fff; font-weight: 700;
        font-size: .75em; padding: .1em .45em; border-radius: .25em; margin-left: .4em;
        vertical-align: middle; }
.banner { border: 2px solid #b00020; background: #fff4f4; padding: .6em 1em; margin: 1em 0; }
.banner p { margin: .2em 0; }
p.warning { border-left: 4px solid #b00020; background: #fff4f4; padding: .3em .7em; }
nav ul { columns: 2; font-size: .92em; }
table { border-collapse: collapse; margin: .8em 0 1.4em; font-size: .88em; width: 100%; }
caption { text-align: left; font-weight: 600; padding: .3em 0; caption-side: top; }
th, td { border-bottom: 1px solid #ddd; padding: .25em .5em; vertical-align: top; text-align: left; }
td { overflow-wrap: break-word; }
.wide { overflow-x: auto; }
th { background: #f1f4f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td:first-child { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .95em; }
tr.flag td { background: #fff1f1; }
figure { margin: 1em 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: .88em; }
"""


def _marks(marks: tuple[Mark, ...]) -> str:
    return "".join(
        f'<span class="mark" title="{escape(m.meaning)}">{escape(m.word)}</span>' for m in marks
    )


def _cell(text: str, numeric: bool) -> str:
    return f'<td class="num">{escape(text)}</td>' if numeric else f"<td>{escape(text)}</td>"


def _table(t: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in t.head)
    body = []
    for row in t.rows:
        cells = "".join(_cell(c, i in t.numeric) for i, c in enumerate(row.cells))
        attrs = f' data-key="{escape(row.key)}"' if row.key else ""
        attrs += ' class="flag"' if row.flagged else ""
        body.append(f"<tr{attrs}>{cells}</tr>")
    return (
        f'<div class="wide"><table><caption>{escape(t.caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _block(block: Block) -> str:
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Chart):
        return f"<figure>{block.svg}<figcaption>{escape(block.caption)}</figcaption></figure>"
    css = ' class="warning"' if block.warning else ""
    return f"<p{css}>{escape(block.text)}</p>"


def _section(s: Section) -> str:
    heading = f"<h{s.level}>{escape(s.title)}{_marks(s.marks)}</h{s.level}>"
    opening = f'<section id="{escape(s.id)}">{heading}'
    return "\n".join([opening, *(_block(b) for b in s.blocks), "</section>"])


def _banner(report: Report) -> str:
    lines = [
        f"<p><strong>{escape(run_id)}</strong>{_marks((m,))} {escape(m.meaning)}.</p>"
        for run_id, marks in report.marks
        for m in marks
    ]
    return f'<div class="banner">{"".join(lines)}</div>' if lines else ""


def _contents(report: Report) -> str:
    items = "".join(
        f'<li><a href="#{escape(s.id)}">{escape(s.title)}</a></li>' for s in report.sections
    )
    return f"<nav><ul>{items}</ul></nav>"


def render_html(report: Report) -> str:
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(report.title)}</title><style>{STYLE}</style></head><body>",
            f"<header><h1>{escape(report.title)}</h1>",
            f'<p class="colophon">{escape(report.colophon)}</p>{_banner(report)}</header>',
            _contents(report),
            "<main>",
            *(_section(s) for s in report.sections),
            "</main></body></html>",
            "",
        ]
    )
