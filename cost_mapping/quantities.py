"""Monthly quantities per canonical meter, each with how it was derived.

`imbench price --usage quantities.toml` reads raw quantities (a what-if, no run needed);
`imbench cost` derives them from a run summary and a usage profile (`cost_mapping.derive`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from cost_mapping import meters as canon
from cost_mapping.display import num
from harness.kernel.config import Fields, read_toml


@dataclass(frozen=True)
class Quantity:
    """`value` of canonical meter `name` for one month; `gaps` lists parts that are missing.

    A quantity with gaps is a lower bound: for example the run lacks a metric a part needs,
    or the run did not exercise that area (no video). `value` then holds only what is known.
    """

    name: str
    value: Decimal
    derivation: str
    gaps: tuple[str, ...] = ()

    @property
    def unit(self) -> str:
        return canon.BY_NAME[self.name].unit


Quantities = Mapping[str, Quantity]


def given(name: str, value: Decimal, source: str) -> Quantity:
    """A quantity stated directly (usage file or profile)."""
    return Quantity(name, value, f"{num(value)} {canon.BY_NAME[name].unit} given in {source}")


def zero_filled(quantities: Mapping[str, Quantity], source: str) -> dict[str, Quantity]:
    """Every canonical meter present; those not given are 0, saying so."""
    out = dict(quantities)
    for name in canon.NAMES:
        if name not in out:
            out[name] = Quantity(name, Decimal(0), f"not given in {source} (0)")
    return out


def load_usage(path: Path) -> dict[str, Quantity]:
    """Raw canonical quantities from a TOML file: `name = number` per meter, at top level."""
    f = Fields(str(path), read_toml(path, exact=True))
    f.allow(canon.NAMES, "a canonical meter")
    given_values = {name: f.decimal(name) for name in f.given_keys() if name in canon.NAMES}
    f.finish()
    return zero_filled(
        {name: given(name, value, path.name) for name, value in given_values.items()}, path.name
    )
