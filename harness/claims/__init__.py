"""The claims gate: vendor claims and regressions as CI verdicts (docs/claims.md).

grammar     an expression → Expression (pure)          `chat.e2e_latency_ms.p99 < 250`
validate    Expression × Target → MetricRef | CostRef  registry, scenario, sheets (pure)
claimsfile  a claims TOML file → ClaimsFile            every problem at once (the one reader)
blocks      a run's tables → per-block values          5 s blocks of the steady window (pure)
regression  run vs baseline blocks → Shift             Mann–Whitney U against the bound (pure)
evaluate    Claim × Evidence → Verdict                 pass / fail / inconclusive (pure)
outcome     verdicts × run status → exit code          the documented precedence (pure)
evidence    run folders → Evidence, scenario → Target  (reads files)
baselines   `imbench baseline save RUN NAME`, `--baseline RUN|NAME`
render      text, Markdown, JSON, JUnit XML
gate        `imbench check` and `imbench run --claims`, composed
commands    their command-line arguments
"""
