"""Whole refusal texts of the config reader (harness/kernel/config.py) that scripts/mutate found
unpinned: the value a problem shows, the top table's empty field name, a typo of one absent table
that must not silence another's missing keys, and every unknown key of an abandoned table."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.kernel.config import Fields, read_toml
from harness.kernel.errors import BadInput


def _problems(f: Fields) -> list[str]:
    with pytest.raises(BadInput) as refused:
        f.finish()
    return [str(p) for p in refused.value.problems]


def test_a_file_that_is_not_utf8_or_cannot_be_read_is_refused_in_whole_words(
    tmp_path: Path,
) -> None:
    path = tmp_path / "f.toml"
    path.write_bytes(b'name = "caf\xe9"\n')
    with pytest.raises(BadInput) as not_utf8:
        read_toml(path, exact=True)
    assert str(not_utf8.value) == f"{path} = (file): must be UTF-8 text (byte 11 is not)"
    assert not_utf8.value.field == ""
    with pytest.raises(BadInput) as missing:
        read_toml(tmp_path / "nope.toml", exact=True)
    assert missing.value.field == ""


def test_a_top_table_that_is_not_a_table_is_named_by_the_file_alone() -> None:
    f = Fields("f.toml", 3)
    assert _problems(f) == ["f.toml = 3: must be a table"]
    with pytest.raises(BadInput) as refused:
        f.finish()
    assert refused.value.field == ""


def test_values_of_the_wrong_type_are_shown_as_written() -> None:
    f = Fields("f.toml", {"codec": 3, "tags": "a", "workload": {"kind": "chat"}})
    assert f.choice("codec", ("vp8", "h264")) == "vp8"
    assert f.texts("tags") == ()
    assert f.tables("workload") == []
    assert _problems(f) == [
        "f.toml: codec = 3: must be one of: vp8, h264",
        "f.toml: tags = 'a': must be an array of strings",
        "f.toml: workload = {kind = 'chat'}: must be an array of tables ([[workload]])",
    ]


def test_a_typo_of_one_absent_table_does_not_silence_another_absent_tables_missing_keys() -> None:
    f = Fields("f.toml", {"scenaro": {"name": "x"}})
    f.table("scenario").text("name")
    f.table("backend").text("name")
    assert _problems(f) == [
        "f.toml: scenaro = {name = 'x'}: unknown key (did you mean scenario?); "
        "a known field: backend, scenario",
        "f.toml: backend.name = None: is required: a non-empty string",
    ]


def test_an_abandoned_table_looks_at_every_unknown_key_for_a_typo_of_a_required_one() -> None:
    f = Fields("f.toml", {"workload": [{"zzz": 1, "knd": "chat"}]})
    (w,) = f.tables("workload")
    w.choice("kind", ("chat", "video"))
    w.abandon()
    assert _problems(f) == [
        "f.toml: workload[0].knd = 'chat': unknown key (did you mean kind? kind is required and "
        "missing); a known field: kind"
    ]
