"""Monthly quantities per canonical meter, each with how it was derived and where it came from.

`imbench price --usage quantities.toml` reads raw quantities (a what-if, no run needed);
`imbench cost` derives them from a run summary and a usage profile (`cost_mapping.derive`).

A quantity a usage file does not give is not silently 0: it carries a gap saying so, and a bill
that needs it is a lower bound (or not applicable) instead of a price for nothing. Where the file
gives two of participant, subscriber (video) and audio minutes, the third is derived from them,
and the derivation says so. Inconsistent files (fewer participant minutes than subscriber
minutes, more peak users than MAU, ...) are bad input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from cost_mapping import meters as canon
from cost_mapping.display import num
from cost_mapping.provenance import ASSUMED
from harness.kernel.config import Fields, read_toml

ZERO = Decimal(0)
CALL_SPLIT = ("participant_minutes", "subscriber_minutes", "audio_minutes")


@dataclass(frozen=True)
class Quantity:
    """`value` of canonical meter `name` for one month; `gaps` lists parts that are missing.

    A quantity with gaps is a lower bound: for example the run lacks a metric a part needs,
    the run did not exercise that area (no video), or a usage file does not give it. `value`
    then holds only what is known. `provenance` is `measured`, `derived` or `assumed`
    (`cost_mapping.provenance`).
    """

    name: str
    value: Decimal
    derivation: str
    gaps: tuple[str, ...] = ()
    provenance: str = ASSUMED

    @property
    def unit(self) -> str:
        return canon.BY_NAME[self.name].unit


Quantities = Mapping[str, Quantity]


def given(name: str, value: Decimal, source: str) -> Quantity:
    """A quantity stated directly (usage file or profile): an assumption, as far as imbench knows."""
    return Quantity(name, value, f"{num(value)} {canon.BY_NAME[name].unit} given in {source}")


def not_given(name: str, source: str) -> Quantity:
    """A quantity the usage lacks: 0 known, and a gap saying what is missing."""
    meaning = canon.BY_NAME[name].meaning
    return Quantity(
        name, ZERO, f"not given in {source}", (f"{name} not given in {source} ({meaning})",)
    )


def _split(values: Mapping[str, Decimal], source: str) -> dict[str, Quantity]:
    """The third of participant = subscriber + audio minutes when the usage gives the other two."""
    part, sub, audio = (values.get(n) for n in CALL_SPLIT)
    out: dict[str, Quantity] = {}
    if part is not None and sub is not None and audio is None:
        text = (
            f"{num(part - sub)} minute: participant_minutes - subscriber_minutes given in {source}"
        )
        out["audio_minutes"] = Quantity("audio_minutes", part - sub, text)
    elif part is not None and audio is not None and sub is None:
        text = f"{num(part - audio)} minute: participant_minutes - audio_minutes given in {source}"
        out["subscriber_minutes"] = Quantity("subscriber_minutes", part - audio, text)
    elif sub is not None and audio is not None and part is None:
        text = f"{num(sub + audio)} minute: subscriber_minutes + audio_minutes given in {source}"
        out["participant_minutes"] = Quantity("participant_minutes", sub + audio, text)
    return out


def complete(values: Mapping[str, Decimal], source: str) -> dict[str, Quantity]:
    """Every canonical meter: the given ones, the derivable call split, the rest as gaps."""
    out = {name: given(name, value, source) for name, value in values.items()}
    out.update(_split(values, source))
    for name in canon.NAMES:
        if name not in out:
            out[name] = not_given(name, source)
    return out


def zero_filled(quantities: Mapping[str, Quantity], source: str) -> dict[str, Quantity]:
    """Every canonical meter present; those not given are gaps (value 0) saying so."""
    out = dict(quantities)
    for name in canon.NAMES:
        if name not in out:
            out[name] = not_given(name, source)
    return out


def check_value(f: Fields, key: str, name: str, value: Decimal) -> None:
    """A canonical quantity must be within what imbench prices exactly, and counts whole."""
    meter = canon.BY_NAME[name]
    if value > canon.MAX_QUANTITY:
        f.bad(
            key, value, f"must be at most 10^18 {meter.unit}s a month (imbench prices up to that)"
        )
    elif meter.count and value != value.to_integral_value():
        f.bad(key, value, f"must be a whole number of {meter.unit}s (it is a count)")


def _consistent(f: Fields, v: Mapping[str, Decimal]) -> None:
    """Quantities that contradict each other are bad input (each rule names both fields)."""
    rules = (
        (
            "participant_minutes",
            "subscriber_minutes",
            "participant minutes include every subscriber (video) minute",
        ),
        (
            "participant_minutes",
            "audio_minutes",
            "participant minutes include every audio-only minute",
        ),
        ("mau", "peak_ccu", "a peak of connected users cannot exceed the month's users"),
        ("egress_gb", "media_egress_gb", "egress_gb includes the media egress"),
        ("messages_sent", "message_echoes", "a publisher receives its own message at most once"),
    )
    for big, small, why in rules:
        if big in v and small in v and v[big] < v[small]:
            f.bad(big, v[big], f"must be at least {small} ({num(v[small])}): {why}")
    part, sub, audio = (v.get(n) for n in CALL_SPLIT)
    if part is not None and sub is not None and audio is not None and part != sub + audio:
        why = f"must equal subscriber_minutes + audio_minutes ({num(sub + audio)})"
        f.bad("participant_minutes", part, f"{why}: every participant minute is one or the other")
    if v.get("messages_sent") == 0 and v.get("message_bytes", ZERO) > 0:
        f.bad(
            "message_bytes",
            v["message_bytes"],
            "must be 0 when messages_sent is 0 (bytes of no message)",
        )


def load_usage(path: Path) -> dict[str, Quantity]:
    """Raw canonical quantities from a TOML file: `name = number` per meter, at top level."""
    f = Fields(str(path), read_toml(path, exact=True))
    f.allow(canon.NAMES, "a canonical meter")
    values: dict[str, Decimal] = {}
    for name in f.given_keys():
        if name in canon.NAMES:
            value = f.decimal(name)
            if f.valid(name):
                check_value(f, name, name, value)
            if f.valid(name):
                values[name] = value
    _consistent(f, values)
    f.finish()
    return complete(values, path.name)
