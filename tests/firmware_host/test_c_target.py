"""The band's C firmware on its own instruction set: Cortex-M4F (hard float) under QEMU mps2-an386.

The unit tests of ``firmware_host/c/tests`` run on the target (semihosting for output and the
exit status) with the Python model's golden vectors compiled in, and must print what the host
build prints (the hash of the pipeline's frames on full-scale inputs included), so that integer
width, shift and alignment differences between the host and the band show. The firmware ELF is
held to the band's budget (128 KiB flash, 16 KiB RAM with its stack), and run: its serial line
(CMSDK UART0, COBS frames) is decoded with the host's decoder and compared with the model.

Without arm-none-eabi-gcc and qemu-system-arm the tests skip and say why; with ``CI=true`` they
fail instead.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from firmware_host import protocol as p
from firmware_host.event_mode import run_event_mode
from tests.firmware_host import c_harness as ch

_missing = ch.missing_tools(ch.HOST_TOOLS + ch.TARGET_TOOLS)
if _missing and os.environ.get("CI", "").lower() == "true":
    pytest.fail(f"CI=true but the Cortex-M toolchain is missing: {', '.join(_missing)}")
pytestmark = pytest.mark.skipif(
    bool(_missing),
    reason=f"missing {', '.join(_missing)} (apt-get install --no-install-recommends "
    "gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)",
)

FLASH_BUDGET = 128 * 1024
RAM_BUDGET = 16 * 1024
_QEMU = ["qemu-system-arm", "-M", "mps2-an386", "-monitor", "none",
         "-semihosting-config", "enable=on,target=native"]  # fmt: skip


def _sizes(elf: Path) -> dict[str, int]:
    out = subprocess.run(["arm-none-eabi-size", str(elf)], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    text, data, bss = (int(v) for v in out.splitlines()[1].split()[:3])
    return {"text": text, "data": data, "bss": bss}


def test_unit_tests_pass_on_the_cortex_m4f_and_print_what_the_host_prints() -> None:
    ch.build("host")
    ch.build("target")
    host = subprocess.run([str(ch.BUILD / "host" / "unit_tests")], capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    target = subprocess.run([*_QEMU, "-nographic", "-kernel", str(ch.TARGET_TESTS)],
                            capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert host.returncode == 0, host.stdout + host.stderr
    assert target.returncode == 0, target.stdout + target.stderr
    assert re.search(r"^\d+ checks, 0 failures$", target.stdout, re.M), target.stdout
    assert "EVENT/SUMMARY frames equal to the model's" in target.stdout
    assert target.stdout.replace("\r\n", "\n") == host.stdout


def test_firmware_fits_the_bands_flash_and_ram() -> None:
    ch.build("target")
    size = _sizes(ch.TARGET_FIRMWARE)
    assert size["text"] + size["data"] <= FLASH_BUDGET
    assert size["data"] + size["bss"] <= RAM_BUDGET  # bss holds the 4 KiB stack
    # the pipeline's state and the buffers are really in the image (not optimised away)
    assert size["bss"] > 4096 + 3000


def test_firmware_on_the_target_sends_the_models_frames(tmp_path: Path) -> None:
    ch.build("target")
    uart = tmp_path / "uart.bin"
    done = subprocess.run([*_QEMU, "-display", "none", "-serial", f"file:{uart}", "-kernel",
                           str(ch.TARGET_FIRMWARE)], capture_output=True, timeout=60,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    decoder = p.CobsDecoder()
    frames = [p.decode_frame(f) for f in decoder.feed(uart.read_bytes())]
    raw = decoder.feed(b"")
    assert decoder.errors == 0 and not raw
    data = [f for f in frames if isinstance(f, p.DataFrame)]
    events = [f for f in frames if isinstance(f, p.EventFrame | p.SummaryFrame)]
    assert [f.seq for f in data] == list(range(len(data)))
    assert isinstance(frames[-1], p.EndFrame) and frames[-1].reason == p.EndReason.RECORDING_ENDED
    samples = np.concatenate([f.samples for f in data])
    fs_hz, lsb_g = data[0].format.rate_hz, data[0].format.lsb_g
    assert len(samples) == 120 * 50
    assert all(f.flags & p.FLAG_DELTA for f in data[1:])
    # the samples the band measured, framed and processed by the model, give the same bytes
    encoded = uart.read_bytes().split(b"\x00")
    sent = [p.cobs_decode(b) for b in encoded if b]
    want_data = [
        p.encode_data(s, (s * 38 * 2 * p.TICK_HZ) // round(2 * fs_hz), data[0].format,
                      samples[s * 38 : (s + 1) * 38], flags=p.FLAG_RESUMED if s == 0 else 0,
                      delta=True)
        for s in range(len(data))
    ]  # fmt: skip
    assert [b for b in sent if b[0] & 0x0F == p.DATA] == want_data
    want_events, _ = run_event_mode(samples, fs_hz, lsb_g)
    assert [b for b in sent if b[0] & 0x0F in (p.EVENT, p.SUMMARY)] == want_events
    assert len(events) == len(want_events) >= 2
    assert any(isinstance(f, p.EventFrame) and f.kind == p.KIND_LM for f in events)
