"""A report's Markdown summary: its title, marks, and the blocks marked `in_summary` — the run
facts, headline figures, streams under target, unit costs and the comparison — as paragraphs
and pipe tables (GitHub-flavoured). Charts and line items stay in the HTML page. Pure."""

from __future__ import annotations

from harness.report.document import Report, Table, Text


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ") or " "


def _table(t: Table) -> list[str]:
    lines = [f"**{t.caption}**", "", "| " + " | ".join(_cell(h) for h in t.head) + " |"]
    lines.append(
        "|" + "|".join("---:" if i in t.numeric else "---" for i in range(len(t.head))) + "|"
    )
    lines += ["| " + " | ".join(_cell(c) for c in row.cells) + " |" for row in t.rows]
    return [*lines, ""]


def render_markdown(report: Report) -> str:
    lines = [f"# {report.title}", ""]
    if report.colophon:
        lines += [report.colophon, ""]
    for run_id, marks in report.marks:
        lines += [f"> **{m.word}** — {run_id}: {m.meaning}." for m in marks]
    if any(marks for _, marks in report.marks):
        lines.append("")
    for section in report.sections:
        chosen = [b for b in section.blocks if isinstance(b, Table | Text) and b.in_summary]
        if not chosen and section.level > 2:
            continue
        lines += ["#" * section.level + f" {section.title}", ""]  # the title carries the marks
        for block in chosen:
            if isinstance(block, Table):
                lines += _table(block)
            else:
                lines += [("**Warning:** " if block.warning else "") + block.text, ""]
    return "\n".join(lines).rstrip() + "\n"
