"""Price sheets and the pure pricing engine: run intensities x usage profile -> bills.

    quantities = derive(load_profile(path_or_None), read_summary(run_dir))   # or load_usage(toml)
    bill = price(load_sheet(path), quantities)                                # Bill with LineItems
    drivers = sensitivity(profile, run, sheets)          # per sheet: what its total depends on most

Every quantity, line and bill carries its coverage and its provenance (`cost_mapping.provenance`).

The command line (`imbench price`, `imbench cost`) lives in `cost_mapping.commands`.
"""

from __future__ import annotations

from cost_mapping.bill import Bill, LineItem
from cost_mapping.derive import derive
from cost_mapping.engine import price
from cost_mapping.profile import UsageProfile, load_profile
from cost_mapping.quantities import Quantity, load_usage
from cost_mapping.sensitivity import SheetSensitivity, sensitivity
from cost_mapping.sheet import PriceSheet
from cost_mapping.sheet_load import load_sheet, load_sheets
from cost_mapping.summary import RunSummary, read_summary

__all__ = [
    "Bill",
    "LineItem",
    "PriceSheet",
    "Quantity",
    "RunSummary",
    "SheetSensitivity",
    "UsageProfile",
    "derive",
    "load_profile",
    "load_sheet",
    "load_sheets",
    "load_usage",
    "price",
    "read_summary",
    "sensitivity",
]
