"""The verdicts as CI reads them (harness.claims.render): JUnit XML that validates against the
Jenkins/Ant schema pytest's xunit2 output follows (tests/fixtures/junit-10.xsd, with lxml), and
Markdown that a CommonMark + GFM-tables renderer (markdown-it-py) turns into one table."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from markdown_it import MarkdownIt

from harness.claims import render
from harness.claims.evaluate import Judgement, judge
from harness.claims.outcome import Outcome
from tests.claims.test_claims_evaluate import BASELINE, CPU, claim, run, with_cpu

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parents[1] / "fixtures" / "junit-10.xsd")))
CONTEXT = render.Context("claims/vendor.toml", "vendor & co <x>", "r1", "baseline base (run r0)")


@pytest.fixture
def judgement() -> Judgement:
    claims = [
        claim("chat.e2e_latency_ms.p99 < 250"),
        claim("messaging.delivery_ratio >= 0.99999", 1),
        claim("messaging.duplicates <= 0", 2),
        claim(f"{CPU} <= baseline + 10%", 3),
    ]
    mine = with_cpu(0.3, [0.31, 0.32, 0.30, 0.33, 0.315])
    result = judge(claims, mine, BASELINE)
    assert [v.outcome for v in result.verdicts] == [
        Outcome.PASS,
        Outcome.FAIL,
        Outcome.INCONCLUSIVE,
        Outcome.FAIL,
    ]
    return result


def test_the_junit_xml_validates_against_the_jenkins_schema(judgement: Judgement) -> None:
    xml = render.junit(judgement, CONTEXT, now=datetime(2026, 6, 1, tzinfo=UTC))
    document = etree.fromstring(xml.encode())
    assert SCHEMA.validate(document), SCHEMA.error_log
    suite = document.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "2", "1")
    assert suite.get("name") == "vendor & co <x>"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [v.claim.text for v in judgement.verdicts]
    failed = cases[1].find("failure")
    assert failed is not None and failed.get("message") == judgement.verdicts[1].sentence
    undecided = cases[2].find("error")
    assert undecided is not None and undecided.get("type") == "inconclusive"
    assert cases[0].find("failure") is None and cases[0].find("error") is None
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties == {
        "run_id": "r1",
        "run_status": "ok",
        "baseline": "baseline base (run r0)",
        "exit_code": "99",
    }


def test_the_schema_rejects_what_ci_would_not_read() -> None:
    """The fixture really is a constraint: a suite without counts is invalid."""
    assert not SCHEMA.validate(etree.fromstring(b'<testsuites><testsuite name="x"/></testsuites>'))


def test_the_markdown_renders_as_one_table_with_a_row_per_claim(judgement: Judgement) -> None:
    text = render.markdown(judgement, CONTEXT)
    html = MarkdownIt("commonmark").enable("table").render(text)
    tree = etree.fromstring(f"<body>{html}</body>".encode(), etree.HTMLParser(encoding="utf-8"))
    (table,) = tree.findall(".//table")
    header = [th.text for th in table.findall(".//thead//th")]
    assert header == [None, "claim", "verdict", "evidence"]
    rows = table.findall(".//tbody/tr")
    assert len(rows) == len(judgement.verdicts)
    for row, verdict in zip(rows, judgement.verdicts, strict=True):
        cells = row.findall("td")
        assert len(cells) == 4
        assert cells[1].findtext("code") == verdict.claim.text
        assert cells[2].text == verdict.outcome.value
        assert "".join(cells[3].itertext()) == verdict.sentence  # < and | survive as text
    assert "2 failed" in "".join(tree.itertext())


def test_the_json_carries_each_verdict_and_its_comparison(judgement: Judgement) -> None:
    doc = json.loads(render.json_text(judgement, CONTEXT))
    assert doc["schema"] == "imbench.claims/1" and doc["exit_code"] == 99
    assert [c["outcome"] for c in doc["claims"]] == ["pass", "fail", "inconclusive", "fail"]
    cpu = doc["claims"][3]
    assert cpu["observed"] == 0.3 and cpu["baseline"] == 0.21
    assert cpu["comparison"]["blocks"] == [5, 5]
    assert cpu["comparison"]["p_beyond_bound"] == pytest.approx(1 / 252)


def test_the_terminal_text_ends_with_the_counts_and_the_exit_code(judgement: Judgement) -> None:
    text = render.text(judgement, CONTEXT)
    assert text.splitlines()[-1] == (
        "4 claims: 1 passed, 2 failed, 1 inconclusive → exit 99 (claims failed)"
    )
    assert "  FAIL          messaging.delivery_ratio >= 0.99999\n" in text
    assert run().summary.run_id in text.splitlines()[0]
