"""The configuration of one Locust driver process (JSON), kept free of Locust so the orchestrator can
build it without importing gevent (which monkey-patches whatever process imports it)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from harness.kernel.slots import Slot


@dataclass(frozen=True)
class DriverConfig:
    generator: int
    host: str
    port: int
    slots: tuple[Slot, ...]
    ramp_s: float
    start_ns: int
    send_stop_ns: int
    end_ns: int
    seed: int
    raw_dir: str
    web_port: int | None = None

    def to_json(self) -> str:
        data = {**self.__dict__, "slots": [s.to_list() for s in self.slots]}
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> DriverConfig:
        data = json.loads(text)
        data["slots"] = tuple(Slot.from_list(s) for s in data["slots"])
        return cls(**data)
