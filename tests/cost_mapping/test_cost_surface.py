"""The public surface of cost_mapping is small and explicit."""

from __future__ import annotations

import cost_mapping


def test_the_public_surface_is_pinned() -> None:
    assert cost_mapping.__all__ == [
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
    for name in cost_mapping.__all__:
        assert getattr(cost_mapping, name) is not None


def test_the_pricing_modules_never_read_the_clock_or_files() -> None:
    """Pure code: time and data come in as parameters (STYLE 3)."""
    import inspect

    from cost_mapping import (
        ai_usage,
        allowance,
        bill,
        bill_text,
        call_shape,
        counting,
        derive,
        display,
        engine,
        provenance,
        rounding,
        sensitivity,
        table,
        tiers,
        usage,
        volumes,
    )

    pure = (
        ai_usage,
        allowance,
        bill,
        bill_text,
        call_shape,
        counting,
        derive,
        display,
        engine,
        provenance,
        rounding,
        sensitivity,
        table,
        tiers,
        usage,
        volumes,
    )
    for module in pure:
        source = inspect.getsource(module)
        for forbidden in ("datetime.now", "time.time", "date.today", "open(", "read_text", "Path("):
            assert forbidden not in source, f"{module.__name__} uses {forbidden}"
