"""The configuration of one Locust driver process (JSON), kept free of Locust so the orchestrator can
build it without importing gevent (which monkey-patches whatever process imports it)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from harness.kernel.directory import Directory
from harness.kernel.slots import Slot


@dataclass(frozen=True)
class DriverConfig:
    generator: int
    directory: Directory
    slots: tuple[Slot, ...]
    ramp_s: float
    start_ns: int
    send_stop_ns: int
    end_ns: int
    seed: int
    raw_dir: str
    web_port: int | None = None
    users_total: int = 0
    """Users across every generator process (0: this one's slots are all of them)."""

    def to_json(self) -> str:
        data = {
            **self.__dict__,
            "directory": self.directory.to_dict(),
            "slots": [s.to_list() for s in self.slots],
        }
        return json.dumps(data)

    def public_json(self) -> str:
        """The config with every credential in its directory redacted (for raw/)."""
        return DriverConfig(**{**self.__dict__, "directory": self.directory.public()}).to_json()

    @classmethod
    def from_json(cls, text: str) -> DriverConfig:
        data = json.loads(text)
        data["slots"] = tuple(Slot.from_list(s) for s in data["slots"])
        data["directory"] = Directory.from_dict(data["directory"])
        return cls(**data)
