"""No usage file, however incomplete or extreme, produces a traceback: only bills or a BadInput.

Hypothesis writes usage files with any subset of the canonical meters (and unknown keys), values
of every TOML kind and of any size — negative, fractional counts, 10^30, nan, inf, text, tables —
and prices them with every shipped sheet, rendering each bill as text, JSON, a table and CSV.
"""

from __future__ import annotations

import json
import tempfile
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cost_mapping import bill_text, table
from cost_mapping.engine import price
from cost_mapping.meters import BY_NAME, NAMES
from cost_mapping.quantities import load_usage
from cost_mapping.sheet_load import load_sheets
from harness.cli import main
from harness.kernel import exitcodes
from harness.kernel.errors import BadInput

SHEETS = load_sheets(None)
KEYS = st.sampled_from([*NAMES, "participant_minute", "video_minutes", "mau.x"])
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=0, max_value=10**7).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).map(lambda d: f"{d:e}"),
    st.decimals(min_value=0, max_value=10**20, places=3).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e999999", "1e18", "1000000000000000001", "0", "0.0"]),
)
VALUES = st.one_of(
    NUMBERS,
    NUMBERS,
    NUMBERS,
    st.sampled_from(['"lots"', "true", "[1, 2]", "{ a = 1 }", '"12"', "1979-05-27"]),
)
USAGE = st.dictionaries(KEYS, VALUES, max_size=12)


def toml_text(usage: dict[str, str]) -> str:
    return "".join(f'"{key}" = {value}\n' for key, value in usage.items())


def price_everything(path: Path) -> None:
    """What `imbench price` does with a file, in every output form."""
    quantities = load_usage(path)
    bills = [price(sheet, quantities) for sheet in SHEETS]
    for bill in bills:
        bill_text.render_bill(bill)
        json.dumps(table.bill_json(bill))
    rows = [table.row(b, quantities) for b in bills]
    table.render(rows)
    table.to_csv(rows)
    table.to_json(rows, quantities, {})


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(USAGE)
def test_any_usage_file_gives_bills_or_bad_input(usage: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "q.toml"
        path.write_text(toml_text(usage))
        try:
            price_everything(path)
        except BadInput as err:
            assert err.exit_code == exitcodes.BAD_INPUT
            assert str(path) in str(err)


PLAUSIBLE = st.dictionaries(
    st.sampled_from([n for n in NAMES if n != "participant_minutes"]),
    st.one_of(
        st.integers(min_value=0, max_value=10**18),
        st.integers(min_value=0, max_value=10**6),
    ),
    max_size=len(NAMES),
)


def consistent(usage: dict[str, int]) -> dict[str, str]:
    """Bend a random usage into one the validator accepts (so the engine, not the validator, is fuzzed)."""
    fixed = dict(usage)
    for big, small in (
        ("mau", "peak_ccu"),
        ("egress_gb", "media_egress_gb"),
        ("messages_sent", "message_echoes"),
    ):
        if big in fixed and small in fixed:
            fixed[small] = min(fixed[small], fixed[big])
    if fixed.get("messages_sent") == 0:
        fixed.pop("message_bytes", None)
    return {k: str(v) for k, v in fixed.items()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PLAUSIBLE)
def test_any_accepted_usage_prices_on_every_sheet_without_error(usage: dict[str, int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "q.toml"
        path.write_text(toml_text(consistent(usage)))
        price_everything(path)


@settings(max_examples=15, deadline=None)
@given(USAGE)
def test_the_price_command_exits_ok_or_bad_input_never_with_a_crash(
    usage: dict[str, str],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "q.toml"
        path.write_text(toml_text(usage))
        code = main(
            [
                "price",
                "--sheet",
                "agora-rtc",
                "--sheet",
                "selfhost-aws",
                "--usage",
                str(path),
                "--json",
            ]
        )
        assert code in (exitcodes.OK, exitcodes.BAD_INPUT)


@pytest.mark.parametrize(
    "value", ["1000000000000000000", "999999999999999999.999999", "0.000000000000000001"]
)
def test_the_extremes_that_are_accepted_price_cleanly(tmp_path: Path, value: str) -> None:
    """Every canonical meter at the largest (or a tiny) quantity accepted, consistent with each
    other (audio 0, so participant = subscriber minutes; counts whole), on every sheet."""
    path = tmp_path / "q.toml"
    lines = []
    for name in NAMES:
        count = BY_NAME[name].count
        given = "0" if name == "audio_minutes" else value
        lines.append(
            f"{name} = {Decimal(given).to_integral_value(ROUND_FLOOR) if count else given}"
        )
    path.write_text("\n".join(lines) + "\n")
    price_everything(path)
