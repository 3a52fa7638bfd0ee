"""The embedded server's test option for a heavier backend (`--extra-work-per-msg-us`, set by
IMBENCH_EMBEDDED_EXTRA_WORK_US): a real server process on loopback really spends the extra CPU on
every accepted message, measured from outside by psutil, and the adapter refuses a bad value."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import orjson
import psutil
import pytest

from harness.backends.embedded import EXTRA_WORK_ENV, EmbeddedBackend, extra_work_per_msg_us
from harness.backends.embedded_server import burn_cpu
from harness.kernel.errors import BadInput
from tests.test_embedded_server import login, next_msg

MESSAGES = 300
EXTRA_US = 2000


def _server_cpu_s_for_messages(tmp_path: Path, extra_us: int) -> float:
    """CPU seconds the server process spends on MESSAGES accepted 1:1 messages."""
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "harness.backends.embedded_server", "--port", "0",
            "--data-dir", str(tmp_path / f"data-{extra_us}"),
            "--extra-work-per-msg-us", str(extra_us),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().rsplit(":", 1)[1])
        alice, bob = login(port, "u0"), login(port, "u1")
        meter = psutil.Process(proc.pid)
        before = sum(meter.cpu_times()[:2])
        for seq in range(MESSAGES):
            alice.send_text(orjson.dumps({"op": "send", "to": "u1", "seq": seq, "body": "x" * 100}))
            assert next_msg(bob)["seq"] == seq
        time.sleep(0.1)  # let the last group commit land in this measurement window
        return float(sum(meter.cpu_times()[:2]) - before)
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_option_adds_its_cpu_time_to_every_accepted_message(tmp_path: Path) -> None:
    plain = _server_cpu_s_for_messages(tmp_path, 0)
    heavy = _server_cpu_s_for_messages(tmp_path, EXTRA_US)
    added_s = MESSAGES * EXTRA_US / 1e6  # 0.6 s
    assert heavy - plain == pytest.approx(added_s, rel=0.25)


def test_burning_cpu_spends_thread_time_not_wall_time() -> None:
    start = time.thread_time_ns()
    burn_cpu(20_000_000)
    assert time.thread_time_ns() - start >= 20_000_000


def test_the_adapter_reads_the_option_and_records_it_in_the_manifest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(EXTRA_WORK_ENV, "250")
    assert EmbeddedBackend().describe()["config"]["extra_work_per_msg_us"] == 250
    monkeypatch.delenv(EXTRA_WORK_ENV)
    assert EmbeddedBackend().describe()["config"]["extra_work_per_msg_us"] == 0


@pytest.mark.parametrize("value", ["-5", "1.5", "lots", "²"])
def test_a_bad_value_is_bad_input_naming_the_variable(value: str) -> None:
    with pytest.raises(BadInput) as err:
        extra_work_per_msg_us({EXTRA_WORK_ENV: value})
    assert str(err.value).startswith(f"environment: {EXTRA_WORK_ENV} = {value!r}: a whole number")
