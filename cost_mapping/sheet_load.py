"""Read and validate price sheets (TOML). Every rejection names file, field, value, accepted."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources
from itertools import pairwise
from pathlib import Path

from cost_mapping import meters as canon
from cost_mapping.allowance import TopUp
from cost_mapping.counting import PixelClass
from cost_mapping.fields import Fields, Shown, load_toml
from cost_mapping.rounding import SCOPES
from cost_mapping.sheet import (
    CATEGORIES,
    EVIDENCE,
    MODES,
    ON_EXCEED,
    FreeAllowance,
    Meter,
    Plan,
    PriceSheet,
    Rounding,
    SheetTopUp,
    Term,
)
from cost_mapping.tiers import Band, band_problem
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
ATTRIBUTES = tuple(m.name for m in canon.CANONICAL if m.attribute)


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
    return parse_sheet(Fields(str(path), load_toml(path)), path.stem)


def parse_sheet(f: Fields, stem: str) -> PriceSheet:
    f.only(SHEET_FIELDS)
    sheet_id = f.text("id")
    if sheet_id != stem:
        raise f.bad("id", sheet_id, f"the file's name without .toml ({stem!r})")
    evidence = f.choice("evidence", EVIDENCE)
    meters = tuple(_meter(m, evidence) for m in f.subs("meters"))
    if not meters:
        raise f.bad("meters", [], "at least one [[meters]] table")
    ids = [m.id for m in meters]
    for i, meter_id in enumerate(ids):
        if meter_id in ids[:i]:
            raise f.bad(f"meters[{i}].id", meter_id, "an id not used by another meter")
    plans = _plans(f, meters, evidence)
    source_url = _source_url(f)
    return PriceSheet(
        id=sheet_id,
        vendor=f.text("vendor"),
        product=f.text("product"),
        category=f.choice("category", CATEGORIES),
        currency=f.choice("currency", ("USD",)),
        effective_date=f.date("effective_date"),
        source_url=source_url,
        retrieved_date=f.date("retrieved_date"),
        evidence=evidence,
        notes=f.text("notes", ""),
        meters=meters,
        free=tuple(_free(a, ids) for a in f.subs("free")),
        plans=plans,
        pay_as_you_go=f.flag("pay_as_you_go", not plans),
        topups=tuple(_topup(t, ids) for t in f.subs("topups")),
        minimum_monthly_fee_usd=f.number("minimum_monthly_fee", Decimal(0)),
        unpriced=_unpriced(f.sub("unpriced")),
        path=f.source,
    )


def _plans(f: Fields, meters: tuple[Meter, ...], evidence: str) -> tuple[Plan, ...]:
    plans = tuple(_plan(p, meters, evidence) for p in f.subs("plans"))
    if not plans and not f.flag("pay_as_you_go", True):
        accepted = "true, or at least one [[plans]]: otherwise nothing can be bought"
        raise f.bad("pay_as_you_go", False, accepted)
    return plans


def _source_url(f: Fields) -> str:
    if not f.has("source_url"):
        accepted = "the http(s) URL of the price page (required: every price needs its source)"
        raise f.bad("source_url", None, accepted)
    source_url = f.text("source_url")
    if not source_url.startswith(("https://", "http://")):
        raise f.bad("source_url", source_url, "an http(s) URL of the price page")
    return source_url


def _meter(f: Fields, sheet_evidence: str) -> Meter:
    f.only(METER_FIELDS)
    unit = f.choice("unit", canon.BILLING_UNITS)
    mode = f.choice("mode", MODES, "per_unit")
    if f.has("quantity") == f.has("terms"):
        raise f.bad(
            "quantity", f.table.get("quantity"), "exactly one of `quantity` or [[meters.terms]]"
        )
    terms = (
        (_term(Fields(f.source, {"quantity": f.table["quantity"]}, f.prefix), unit),)
        if f.has("quantity")
        else tuple(_term(t, unit) for t in f.subs("terms"))
    )
    if not terms:
        raise f.bad("terms", [], "at least one term")
    per = f.positive("per", Decimal(1))
    rate = f.optional_number("rate")
    bands = _bands(f) if mode in ("graduated", "volume") else ()
    if mode in ("graduated", "volume") and rate is not None:
        raise f.bad("rate", rate, f"no `rate` in {mode} mode: give each band's rate in `tiers`")
    block_units = f.positive("block_units") if mode == "block" else None
    if any(c.rate_usd is not None for t in terms for c in t.classes) and (
        len(terms) > 1 or mode != "per_unit"
    ):
        raise f.bad(
            "terms", "class rates", "class rates only on a per_unit meter with a single term"
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
        size_unit_bytes=f.positive("size_unit_bytes") if f.has("size_unit_bytes") else None,
        rounding=_rounding(f.sub("rounding")) if f.has("rounding") else None,
        ref=f.text("ref"),
        evidence=f.choice("evidence", EVIDENCE, sheet_evidence),
    )


def _term(f: Fields, unit: str) -> Term:
    f.only(("quantity", "factor", "classify_by", "classes"))
    quantity = f.choice("quantity", BILLABLE)
    conversion = canon.CONVERSIONS.get((canon.BY_NAME[quantity].unit, unit))
    if conversion is None and not f.has("factor"):
        raise f.bad(
            "factor",
            None,
            f"a factor (billing {unit} per {canon.BY_NAME[quantity].unit} of {quantity}): "
            "these units do not convert by themselves",
        )
    factor = (conversion or Decimal(1)) * f.positive("factor", Decimal(1))
    classify_by = f.choice("classify_by", ATTRIBUTES) if f.has("classify_by") else None
    classes = tuple(_pixel_class(c) for c in f.subs("classes"))
    if (classify_by is None) != (not classes):
        raise f.bad("classes", len(classes), "`classify_by` and [[classes]] together, or neither")
    problem = _class_problem(classes)
    if problem:
        raise f.bad(
            "classes", [c.name for c in classes], f"classes ordered by max_pixels: {problem}"
        )
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
        return f"max_pixels must grow from class to class, got {bounded}"
    return None


def _pixel_class(f: Fields) -> PixelClass:
    f.only(("name", "max_pixels", "ratio", "rate"))
    return PixelClass(
        name=f.text("name"),
        max_pixels=f.optional_number("max_pixels"),
        ratio=f.positive("ratio", Decimal(1)),
        rate_usd=f.optional_number("rate"),
    )


def _bands(f: Fields) -> tuple[Band, ...]:
    bands = []
    for t in f.subs("tiers"):
        t.only(("from", "to", "rate"))
        end = t.optional_number("to")
        bands.append(Band(t.number("from"), end, t.optional_number("rate")))
    problem = band_problem(tuple(bands))
    if problem:
        shown = Shown(", ".join(f"{b.start}..{'open' if b.end is None else b.end}" for b in bands))
        raise f.bad("tiers", shown, f"tiers from 0 with no gap or overlap: {problem}")
    return tuple(bands)


def _rounding(f: Fields) -> Rounding:
    f.only(("step", "scope"))
    return Rounding(f.positive("step"), f.choice("scope", SCOPES))


def _plan(f: Fields, meters: tuple[Meter, ...], sheet_evidence: str) -> Plan:
    f.only(("id", "name", "fee", "included", "rates", "on_exceed", "minimum", "ref", "evidence"))
    ids = {m.id: m for m in meters}
    included = _per_meter(f.sub("included"), ids)
    rates = _per_meter(f.sub("rates"), ids)
    for meter_id in rates:
        if ids[meter_id].mode != "per_unit":
            raise f.bad(f"rates.{meter_id}", rates[meter_id], "plan rates only for per_unit meters")
    return Plan(
        id=f.text("id"),
        name=f.text("name", f.text("id")),
        fee_usd=f.number("fee"),
        included=included,
        rates=rates,
        on_exceed=f.choice("on_exceed", ON_EXCEED, "bill_overage"),
        minimum_usd=f.number("minimum", Decimal(0)),
        ref=f.text("ref"),
        evidence=f.choice("evidence", EVIDENCE, sheet_evidence),
    )


def _per_meter(f: Fields, ids: dict[str, Meter]) -> dict[str, Decimal]:
    f.only(tuple(ids), "a meter id of this sheet")
    return {key: f.number(key) for key in f.table}


def _free(f: Fields, ids: list[str]) -> FreeAllowance:
    f.only(("units", "meters", "lost_with_plan", "ref"))
    order = f.texts("meters")
    if not order:
        raise f.bad("meters", [], f"one or more meter ids: {', '.join(ids)}")
    for name in order:
        if name not in ids:
            raise f.bad("meters", name, f"a meter id of this sheet: {', '.join(ids)}")
    return FreeAllowance(f.number("units"), order, f.flag("lost_with_plan", True), f.text("ref"))


def _topup(f: Fields, ids: list[str]) -> SheetTopUp:
    f.only(("meter", "units", "price", "ref"))
    return SheetTopUp(
        f.choice("meter", ids), TopUp(f.positive("units"), f.number("price")), f.text("ref")
    )


def _unpriced(f: Fields) -> dict[str, str]:
    f.only(BILLABLE)
    return {key: f.text(key) for key in f.table}
