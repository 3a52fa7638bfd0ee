"""Gathering what claims are checked against and judged on, from files: the target (a scenario,
the price sheets, a baseline given or not) before any load, and each run folder's evidence (its
summary, host facts, per-block values for regression claims, bills for cost claims) after."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cost_mapping.derive import derive
from cost_mapping.engine import price
from cost_mapping.profile import load_profile
from cost_mapping.sheet_load import find_sheet, load_sheet, shipped_ids
from cost_mapping.summary import exact
from cost_mapping.table import row
from harness.claims.blocks import (
    HOST_ADJUSTABLE,
    Steady,
    Values,
    block_edges,
    block_values,
    control_values,
    host_adjusted_values,
    per_interval,
)
from harness.claims.claimsfile import Claim, ClaimsFile
from harness.claims.evaluate import CostFigures, Evidence
from harness.claims.validate import COST_FIGURES, CostRef, MetricRef, Target
from harness.finalize import window_of
from harness.kernel.errors import BadInput
from harness.kernel.metric_names import MESSAGING
from harness.kernel.payload import Payload
from harness.kernel.summary import Summary, read_summary
from harness.manifest import Manifest
from harness.scenario import MediaWorkload, Scenario, Workload
from harness.store import RunFolder
from harness.summary import producible_metrics


def sheet_categories() -> dict[str, str]:
    """Every shipped price sheet's id and category."""
    return {sheet: load_sheet(find_sheet(sheet)).category for sheet in shipped_ids()}


def target_of(scenario: Scenario | None, baseline: bool, name: str = "") -> Target:
    """What claims about runs of `scenario` are checked against (None: the registry only)."""
    if scenario is None:
        return Target(name or "(unreadable)", (), None, sheet_categories(), baseline)
    producible = frozenset(spec.name for spec in producible_metrics(scenario))
    return Target(scenario.name, _kinds(scenario), producible, sheet_categories(), baseline)


def _kinds(scenario: Scenario) -> tuple[str, ...]:
    kinds = dict.fromkeys(w.kind for w in scenario.workloads)
    for media in scenario.media:
        kinds[media.kind] = None
        if media.kind == "video" and media.audio_bitrate_kbps > 0:
            kinds["voice"] = None
    return tuple(kinds)


def read_manifest(folder: Path) -> Manifest:
    return Manifest.from_json(
        RunFolder(folder).read_json("manifest.json"), str(folder / "manifest.json")
    )


def scenario_of(manifest: Manifest) -> Scenario:
    """The scenario a run resolved, rebuilt from its manifest; BadInput when it cannot be."""
    resolved: Mapping[str, Any] = manifest.scenario
    try:
        workloads = tuple(
            Workload(**{**w, "payload": Payload(**w["payload"])}) for w in resolved["workloads"]
        )
        media = tuple(MediaWorkload(**m) for m in resolved.get("media", ()))
        return Scenario(**{**resolved, "workloads": workloads, "media": media})
    except (KeyError, TypeError) as exc:
        source = f"{manifest.run_id}/manifest.json"
        raise BadInput(
            source, "scenario", repr(exc), "the scenario as imbench resolved it"
        ) from None


def gather(folder: Path, label: str, claims: ClaimsFile, *, blocks: bool, costs: bool) -> Evidence:
    """A run folder's evidence for `claims`: per-block values when `blocks` (a baseline is
    given), bills when `costs` (the judged run, not its baseline)."""
    summary = read_summary(folder)
    manifest = read_manifest(folder)
    per_block = _blocks(folder, manifest, summary, claims.claims) if blocks else Blocks()
    return Evidence(
        label=label,
        summary=summary,
        host=manifest.host,
        blocks=per_block.values,
        adjusted=per_block.adjusted,
        control=per_block.control,
        generator_code={"git": manifest.git.get("commit"), "packages": manifest.packages},
        costs=_costs(summary, claims.claims) if costs else {},
    )


@dataclass(frozen=True)
class Blocks:
    """A run's per-block values, their host-adjusted ones and the control they were divided by."""

    values: dict[str, Values] = field(default_factory=dict)
    adjusted: dict[str, Values] = field(default_factory=dict)
    control: Values | None = None


def _blocks(
    folder: Path, manifest: Manifest, summary: Summary, claims: tuple[Claim, ...]
) -> Blocks:
    wanted = {
        claim.ref.reference: claim.ref
        for claim in claims
        if claim.expression.regression
        and isinstance(claim.ref, MetricRef)
        and per_interval(claim.ref.spec.name)
    }
    window = window_of(manifest)
    if not wanted or window is None:
        return Blocks()
    data = RunFolder(folder).load()
    ramp_s = float(manifest.scenario.get("ramp_s", 0.0))
    edges = block_edges(Steady.of(window.load_start_ns, window.send_stop_ns, ramp_s))
    peak = summary.figure(MESSAGING.peak_concurrent_users)
    users = None if peak is None else peak.value
    return Blocks(
        values={
            reference: block_values(ref.spec.name, ref.stat, data, edges, users)
            for reference, ref in wanted.items()
        },
        adjusted={
            reference: host_adjusted_values(ref.spec.name, ref.stat, data, edges, users)
            for reference, ref in wanted.items()
            if ref.spec.name in HOST_ADJUSTABLE
        },
        control=control_values(data, edges),
    )


def _costs(
    summary: Summary, claims: tuple[Claim, ...]
) -> dict[tuple[str, Path | None], CostFigures]:
    bills: dict[tuple[str, Path | None], CostFigures] = {}
    run = exact(summary)
    for claim in claims:
        key = (claim.ref.sheet, claim.profile) if isinstance(claim.ref, CostRef) else None
        if key is None or key in bills:
            continue
        profile = load_profile(claim.profile)
        quantities = derive(profile, run)
        bill = price(load_sheet(find_sheet(key[0])), quantities)
        figures = row(bill, quantities)
        bills[key] = CostFigures(
            sheet=key[0],
            profile=profile.name,
            coverage=bill.coverage,
            eligible=bill.eligible,
            figures={name: getattr(figures, name) for name in COST_FIGURES},
            gaps=bill.gaps,
        )
    return bills
