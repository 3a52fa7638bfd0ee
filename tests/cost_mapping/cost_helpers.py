"""Shared test helpers: quantities from keywords, sheets from TOML text."""

from __future__ import annotations

import tomllib
from decimal import Decimal

from cost_mapping.bill import Bill
from cost_mapping.engine import price
from cost_mapping.quantities import Quantity, given, zero_filled
from cost_mapping.sheet import PriceSheet
from cost_mapping.sheet_load import load_sheet, parse_sheet, shipped_dir
from harness.kernel.config import Fields

HEADER = """
id = "t"
vendor = "Test"
product = "test product"
category = "chat"
currency = "USD"
effective_date = 2026-01-01
source_url = "https://example.com/pricing"
retrieved_date = 2026-01-02
evidence = "seen_vendor"
"""


def quantities(**values: str | int) -> dict[str, Quantity]:
    return zero_filled({k: given(k, Decimal(str(v)), "test") for k, v in values.items()}, "test")


def sheet_from(text: str, with_header: bool = True) -> PriceSheet:
    body = (HEADER + text) if with_header else text
    return parse_sheet(Fields("t.toml", tomllib.loads(body, parse_float=Decimal)), "t")


def shipped(sheet_id: str) -> PriceSheet:
    return load_sheet(shipped_dir() / f"{sheet_id}.toml")


def bill_for(sheet_id: str, **values: str | int) -> Bill:
    return price(shipped(sheet_id), quantities(**values))
