"""Resolving a RUN argument (harness/kernel/runs.py): a run folder's path, a run id, or a unique
prefix of one; anything else is BadInput naming the command, RUN, what was typed and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.kernel.errors import BadInput
from harness.kernel.runs import MAX_LISTED, is_run_folder, resolve_run


def _run(results: Path, run_id: str) -> Path:
    folder = results / run_id
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text("{}")
    return folder


def _refusal(arg: str, results: Path) -> str:
    with pytest.raises(BadInput) as refused:
        resolve_run(arg, results, "imbench show")
    err = refused.value
    assert (err.source, err.field, err.value) == ("imbench show", "RUN", arg)
    return err.accepted


def test_a_folder_with_a_manifest_is_a_run(tmp_path: Path) -> None:
    run = _run(tmp_path, "r1")
    assert is_run_folder(run)
    (tmp_path / "plain").mkdir()
    assert not is_run_folder(tmp_path / "plain")
    (tmp_path / "odd").mkdir()
    (tmp_path / "odd" / "manifest.json").mkdir()  # a folder by that name is not a manifest
    assert not is_run_folder(tmp_path / "odd")


def test_a_path_to_a_run_folder_is_that_folder(tmp_path: Path) -> None:
    run = _run(tmp_path / "elsewhere", "20260101T000000Z-a-b-0001")
    assert resolve_run(str(run), tmp_path / "results") == run


def test_a_folder_that_is_not_a_run_is_refused(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    assert _refusal(str(tmp_path / "plain"), tmp_path) == (
        "is a folder but not a run: it has no manifest.json"
    )


@pytest.mark.parametrize("arg", ["/no/such/run", "sub/run"])
def test_a_path_that_does_not_exist_is_no_such_run_folder(tmp_path: Path, arg: str) -> None:
    _run(tmp_path, "sub")
    assert _refusal(arg, tmp_path) == "no such run folder"


def test_a_run_id_or_its_unique_prefix_finds_the_run(tmp_path: Path) -> None:
    a = _run(tmp_path, "20260101T000000Z-small-embedded-aaaa")
    b = _run(tmp_path, "20260102T000000Z-small-embedded-bbbb")
    (tmp_path / "20260103T000000Z-not-a-run").mkdir()
    (tmp_path / "20260104T000000Z-a-file").write_text("")
    assert resolve_run(a.name, tmp_path) == a
    assert resolve_run("20260102", tmp_path) == b
    for not_runs in ("20260103", "20260104"):  # a folder without a manifest, a file
        assert _refusal(not_runs, tmp_path).startswith("no run folder by that path")


def test_an_exact_id_wins_over_longer_ids_it_prefixes(tmp_path: Path) -> None:
    short = _run(tmp_path, "run")
    _run(tmp_path, "run-2")
    assert resolve_run("run", tmp_path) == short


def test_an_ambiguous_prefix_lists_the_runs_it_matches(tmp_path: Path) -> None:
    for n in range(3):
        _run(tmp_path, f"r-{n}")
    assert _refusal("r-", tmp_path) == "matches 3 runs, give more of the id: r-0, r-1, r-2"


def test_a_prefix_matching_many_runs_lists_the_first_ten_and_counts_the_rest(
    tmp_path: Path,
) -> None:
    for n in range(MAX_LISTED + 3):
        _run(tmp_path, f"r-{n:02d}")
    listed = ", ".join(f"r-{n:02d}" for n in range(MAX_LISTED))
    assert MAX_LISTED == 10
    assert _refusal("r-", tmp_path) == (
        f"matches 13 runs, give more of the id: {listed} and 3 more"
    )


def test_a_prefix_with_glob_characters_matches_literally(tmp_path: Path) -> None:
    _run(tmp_path, "run-a")
    star = _run(tmp_path, "run*")
    assert resolve_run("run*", tmp_path) == star
    bracket = _run(tmp_path, "x[1]?")
    _run(tmp_path, "x1")
    assert resolve_run("x[1]", tmp_path) == bracket


@pytest.mark.parametrize("made", [True, False], ids=["empty results", "no results folder"])
def test_an_unknown_id_names_the_results_folder(tmp_path: Path, made: bool) -> None:
    results = tmp_path / "results"
    if made:
        results.mkdir()
        (results / "not-a-run").mkdir()
    assert _refusal("nothing", results) == (
        f"no run folder by that path, nor a run id under {results}/"
    )
    if made:
        assert _refusal("not-a-run", results).startswith("no run folder by that path")


def test_the_command_named_by_default_is_imbench(tmp_path: Path) -> None:
    with pytest.raises(BadInput) as refused:
        resolve_run("nothing", tmp_path)
    assert refused.value.source == "imbench"


def test_exactly_ten_matches_are_all_listed_with_nothing_more(tmp_path: Path) -> None:
    for n in range(MAX_LISTED):
        _run(tmp_path, f"r-{n}")
    listed = ", ".join(f"r-{n}" for n in range(MAX_LISTED))
    assert _refusal("r-", tmp_path) == f"matches 10 runs, give more of the id: {listed}"
