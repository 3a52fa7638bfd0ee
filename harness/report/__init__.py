"""Reports people read: `imbench report` and the report `imbench run` writes at its end.

    records   run_records (the only reader: summary.json, manifest, Parquet tables), costs
              (cost_mapping's derive + price + table rows)
    content   series (what the charts draw), facts, figure_tables, timeline, latency, media,
              costs, comparison, marks (invalid / partial / approximate), build -> document
    form      figure_text (the one formatting of figures, shared with the terminal summary),
              charts (matplotlib -> inline SVG), html_page, markdown
    command   command (`imbench report`, write_report)

Importing this package imports nothing heavy: matplotlib loads with `charts`, only when a
report is written. docs/report.md describes the page.
"""
