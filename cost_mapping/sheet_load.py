"""Read and validate price sheets (TOML) with the one config reader (`harness.kernel.config`):
every problem in a sheet is reported at once, each naming file, field, value and what is accepted.
Cross-field checks (tier bands, class order, meter ids) run only on fields that were valid."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

from cost_mapping import meters as canon
from cost_mapping.allowance import TopUp
from cost_mapping.counting import PixelClass
from cost_mapping.rounding import SCOPES
from cost_mapping.sheet import (
    CATEGORIES,
    EVIDENCE,
    MODES,
    ON_EXCEED,
    OUTCOMES,
    Check,
    FreeAllowance,
    Meter,
    Plan,
    PriceSheet,
    Rounding,
    SheetTopUp,
    Term,
)
from cost_mapping.tiers import Band, band_problem
from harness.kernel.config import Fields, Shown, read_toml
from harness.kernel.errors import BadInput

SHEET_FIELDS = (
    "id",
    "vendor",
    "product",
    "category",
    "currency",
    "effective_date",
    "source_url",
    "retrieved_date",
    "evidence",
    "notes",
    "meters",
    "free",
    "plans",
    "pay_as_you_go",
    "topups",
    "minimum_monthly_fee",
    "unpriced",
    "checks",
)
METER_FIELDS = (
    "id",
    "description",
    "unit",
    "quantity",
    "terms",
    "combine",
    "mode",
    "per",
    "rate",
    "tiers",
    "block_units",
    "size_unit_bytes",
    "rounding",
    "ref",
    "evidence",
)
BILLABLE = tuple(m.name for m in canon.CANONICAL if not m.attribute)
CHECK_FIELDS = ("url", "read_date", "says", "outcome")
ATTRIBUTES = tuple(m.name for m in canon.CANONICAL if m.attribute)


def _dec(f: Fields, key: str, default: Decimal | None = None, **bounds: Any) -> Decimal:
    """A sheet number: exact, and at most 10^18 (beyond that no amount stays exact)."""
    value = f.decimal(key, default, **bounds)
    if f.valid(key) and value > canon.MAX_QUANTITY:
        f.bad(key, value, "must be at most 10^18")
    return value


def _opt(f: Fields, key: str, **bounds: Any) -> Decimal | None:
    return _dec(f, key, **bounds) if f.has(key) else None


def shipped_dir() -> Path:
    """The folder of sheets shipped with imbench."""
    return Path(str(resources.files("cost_mapping") / "sheets"))


def shipped_ids() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in shipped_dir().glob("*.toml")))


def find_sheet(ref: str) -> Path:
    """A sheet by shipped id (`agora-rtc`) or by path to a TOML file."""
    path = Path(ref)
    if path.suffix == ".toml" or path.exists():
        return path
    shipped = shipped_dir() / f"{ref}.toml"
    if shipped.exists():
        return shipped
    raise BadInput("--sheet", "", ref, f"a sheet file or a shipped id: {', '.join(shipped_ids())}")


def load_sheets(refs: list[str] | None) -> tuple[PriceSheet, ...]:
    """The named sheets, or every shipped sheet when `refs` is empty."""
    paths = [find_sheet(r) for r in refs] if refs else sorted(shipped_dir().glob("*.toml"))
    return tuple(load_sheet(p) for p in paths)


def load_sheet(path: Path) -> PriceSheet:
    return parse_sheet(Fields(str(path), read_toml(path, exact=True)), path.stem)


def parse_sheet(f: Fields, stem: str) -> PriceSheet:
    """The sheet in `f` (the top table of a file named `stem`.toml); raises every problem at once."""
    f.allow(SHEET_FIELDS)
    sheet_id = f.text("id")
    if f.valid("id") and sheet_id != stem:
        f.bad("id", sheet_id, f"must be the file's name without .toml ({stem!r})")
    evidence = f.choice("evidence", EVIDENCE)
    meter_tables = f.tables("meters")
    meters = tuple(_meter(m, evidence) for m in meter_tables)
    if f.valid("meters") and not meters:
        f.bad("meters", [], "must be at least one [[meters]] table")
    ids = [m.id for m in meters]
    for i, meter_id in enumerate(ids):
        if f.valid(f"meters[{i}].id") and meter_id in ids[:i]:
            f.bad(f"meters[{i}].id", meter_id, "must be an id not used by another meter")
    # Plans, allowances and top-ups are checked against the meter ids only when those are sure.
    ids_known = isinstance(f.raw("meters"), list) and all(m.valid("id") for m in meter_tables)
    plans = _plans(f, meters, evidence, ids_known)
    sheet = PriceSheet(
        id=sheet_id,
        vendor=f.text("vendor"),
        product=f.text("product"),
        category=f.choice("category", CATEGORIES),
        currency=f.choice("currency", ("USD",)),
        effective_date=f.date("effective_date") if f.has("effective_date") else None,
        source_url=_source_url(f),
        retrieved_date=f.date("retrieved_date"),
        evidence=evidence,
        notes=f.text("notes", ""),
        meters=meters,
        free=tuple(_free(a, ids, ids_known, evidence) for a in f.tables("free")),
        plans=plans,
        pay_as_you_go=f.flag("pay_as_you_go", not plans),
        topups=tuple(_topup(t, ids, ids_known) for t in f.tables("topups")),
        minimum_monthly_fee_usd=_dec(f, "minimum_monthly_fee", Decimal(0)),
        unpriced=_unpriced(f.table("unpriced")),
        path=f.source,
        checks=tuple(_check(c) for c in f.tables("checks")),
    )
    f.finish()
    return sheet


def _plans(
    f: Fields, meters: tuple[Meter, ...], evidence: str, ids_known: bool
) -> tuple[Plan, ...]:
    plans = tuple(_plan(p, meters, evidence, ids_known) for p in f.tables("plans"))
    if f.valid("plans") and not plans and not f.flag("pay_as_you_go", True):
        accepted = (
            "must be true, or there must be at least one [[plans]]: otherwise nothing can be bought"
        )
        f.bad("pay_as_you_go", False, accepted)
    return plans


def _source_url(f: Fields) -> str:
    accepted = "the http(s) URL of the price page (every price needs its source)"
    if not f.require("source_url", accepted):
        return ""
    source_url = f.text("source_url")
    if f.valid("source_url") and not source_url.startswith(("https://", "http://")):
        f.bad("source_url", source_url, "must be an http(s) URL of the price page")
    return source_url


def _meter(f: Fields, sheet_evidence: str) -> Meter:
    f.allow(METER_FIELDS)
    unit = f.choice("unit", canon.BILLING_UNITS)
    mode = f.choice("mode", MODES, "per_unit")
    if f.has("quantity") == f.has("terms"):
        accepted = "exactly one of `quantity` or [[meters.terms]]"
        f.bad("quantity", f.raw("quantity"), f"must be given as {accepted}")
    terms = (
        (_term(f.part(("quantity",)), unit, f.valid("unit")),)
        if f.has("quantity")
        else tuple(_term(t, unit, f.valid("unit")) for t in f.tables("terms"))
    )
    if f.valid("quantity", "terms") and not terms:
        f.bad("terms", [], "must be at least one term")
    per = _dec(f, "per", Decimal(1), above=True)
    rate = _opt(f, "rate")
    bands = _bands(f) if mode in ("graduated", "volume") else ()
    if mode in ("graduated", "volume") and rate is not None and f.valid("mode", "rate"):
        f.bad("rate", rate, f"must be left out in {mode} mode: give each band's rate in `tiers`")
    block_units = _dec(f, "block_units", above=True) if mode == "block" else None
    class_rates = any(c.rate_usd is not None for t in terms for c in t.classes)
    if class_rates and (len(terms) > 1 or mode != "per_unit") and f.valid("mode", "terms"):
        f.bad(
            "terms", Shown("class rates"), "class rates only on a per_unit meter with a single term"
        )
    return Meter(
        id=f.text("id"),
        description=f.text("description", ""),
        unit=unit,
        terms=terms,
        combine=f.choice("combine", ("sum", "higher_of"), "sum"),
        mode=mode,
        per=per,
        rate_usd=rate,
        bands=bands,
        block_units=block_units,
        size_unit_bytes=_opt(f, "size_unit_bytes", above=True),
        rounding=_rounding(f.table("rounding")) if f.has("rounding") else None,
        ref=f.text("ref"),
        evidence=f.choice("evidence", EVIDENCE, sheet_evidence),
    )


def _term(f: Fields, unit: str, unit_known: bool) -> Term:
    f.allow(("quantity", "factor", "classify_by", "classes"))
    quantity = f.choice("quantity", BILLABLE)
    measured_unit = canon.BY_NAME[quantity].unit
    conversion = canon.CONVERSIONS.get((measured_unit, unit))
    if conversion is None and not f.has("factor") and unit_known and f.valid("quantity"):
        f.bad(
            "factor",
            None,
            f"is required: a factor (billing {unit} per {measured_unit} of {quantity}): "
            "these units do not convert by themselves",
        )
    factor = (conversion or Decimal(1)) * _dec(f, "factor", Decimal(1), above=True)
    classify_by = f.choice("classify_by", ATTRIBUTES) if f.has("classify_by") else None
    classes = tuple(_pixel_class(c) for c in f.tables("classes"))
    if f.valid("classify_by", "classes"):
        if (classify_by is None) != (not classes):
            accepted = "`classify_by` and [[classes]] together, or neither"
            f.bad("classes", len(classes), f"must come as {accepted}")
        problem = _class_problem(classes)
        if problem:
            accepted = f"must be classes ordered by max_pixels: {problem}"
            f.bad("classes", [c.name for c in classes], accepted)
    return Term(quantity, factor, classify_by, classes)


def _class_problem(classes: tuple[PixelClass, ...]) -> str | None:
    edges = [c.max_pixels for c in classes]
    if not edges:
        return None
    if edges[-1] is not None:
        return "the last class must omit max_pixels (open-ended)"
    bounded = [e for e in edges[:-1] if e is not None]
    if len(bounded) != len(edges) - 1:
        return "only the last class may omit max_pixels"
    if any(b <= a for a, b in pairwise(bounded)):
        return f"max_pixels must grow from class to class, got {', '.join(map(str, bounded))}"
    return None


def _pixel_class(f: Fields) -> PixelClass:
    f.allow(("name", "max_pixels", "ratio", "rate"))
    return PixelClass(
        name=f.text("name"),
        max_pixels=_opt(f, "max_pixels"),
        ratio=_dec(f, "ratio", Decimal(1), above=True),
        rate_usd=_opt(f, "rate"),
    )


def _bands(f: Fields) -> tuple[Band, ...]:
    bands = []
    for t in f.tables("tiers"):
        t.allow(("from", "to", "rate"))
        end = _opt(t, "to")
        bands.append(Band(_dec(t, "from"), end, _opt(t, "rate")))
    problem = band_problem(tuple(bands)) if f.valid("tiers") else None
    if problem:
        shown = Shown(", ".join(f"{b.start}..{'open' if b.end is None else b.end}" for b in bands))
        f.bad("tiers", shown, f"must be tiers from 0 with no gap or overlap: {problem}")
    return tuple(bands)


def _rounding(f: Fields) -> Rounding:
    f.allow(("step", "scope"))
    return Rounding(_dec(f, "step", above=True), f.choice("scope", SCOPES))


def _plan(f: Fields, meters: tuple[Meter, ...], sheet_evidence: str, ids_known: bool) -> Plan:
    f.allow(("id", "name", "fee", "included", "rates", "on_exceed", "minimum", "ref", "evidence"))
    ids = {m.id: m for m in meters}
    included = _per_meter(f.table("included"), ids, ids_known)
    rates = _per_meter(f.table("rates"), ids, ids_known)
    for meter_id in rates:
        if ids[meter_id].mode != "per_unit":
            f.bad(f"rates.{meter_id}", rates[meter_id], "plan rates only for per_unit meters")
    plan_id = f.text("id")
    return Plan(
        id=plan_id,
        name=f.text("name", plan_id),
        fee_usd=_dec(f, "fee"),
        included=included,
        rates=rates,
        on_exceed=f.choice("on_exceed", ON_EXCEED, "bill_overage"),
        minimum_usd=_dec(f, "minimum", Decimal(0)),
        ref=f.text("ref"),
        evidence=f.choice("evidence", EVIDENCE, sheet_evidence),
    )


def _per_meter(f: Fields, ids: dict[str, Meter], ids_known: bool) -> dict[str, Decimal]:
    """`meter id = number` for each meter named; not judged while the meter ids are in doubt."""
    if not ids_known:
        f.abandon()
        return {}
    f.allow(ids, "a meter id of this sheet")
    return {key: _dec(f, key) for key in f.given_keys() if key in ids}


def _check(f: Fields) -> Check:
    f.allow(CHECK_FIELDS)
    url = f.text("url")
    if f.valid("url") and not url.startswith(("https://", "http://")):
        f.bad("url", url, "must be the http(s) URL of the page read")
    return Check(url, f.date("read_date"), f.text("says"), f.choice("outcome", OUTCOMES))


def _free(f: Fields, ids: list[str], ids_known: bool, sheet_evidence: str) -> FreeAllowance:
    f.allow(("units", "meters", "lost_with_plan", "ref", "evidence"))
    order = f.texts("meters")
    if f.valid("meters") and not order:
        f.bad("meters", [], f"must be one or more meter ids: {', '.join(ids)}")
    for name in order:
        if ids_known and name not in ids:
            f.bad("meters", name, f"must be a meter id of this sheet: {', '.join(ids)}")
    return FreeAllowance(
        _dec(f, "units"),
        order,
        f.flag("lost_with_plan", True),
        f.text("ref"),
        f.choice("evidence", EVIDENCE, sheet_evidence),
    )


def _topup(f: Fields, ids: list[str], ids_known: bool) -> SheetTopUp:
    f.allow(("meter", "units", "price", "ref"))
    meter = f.choice("meter", ids) if ids_known else f.text("meter")
    return SheetTopUp(
        meter,
        TopUp(_dec(f, "units", above=True), _dec(f, "price")),
        f.text("ref"),
    )


def _unpriced(f: Fields) -> dict[str, str]:
    f.allow(BILLABLE)
    return {key: f.text(key) for key in f.given_keys() if key in BILLABLE}
