"""Throughput of the wire protocol and of the simulated band over a full 8 h night.

Prints, for ATT MTU 23, 247 and serial (COBS): frames and samples encoded and decoded per second,
and how long the simulated band takes to stream a whole night (``--speed max``: no sleeping).
"""

from __future__ import annotations

import time

import numpy as np

from firmware_host import protocol as p
from firmware_host.band import SimulatedBand
from firmware_host.protocol.framing import CobsDecoder, cobs_encode

FS_HZ = 50.0
NIGHT_S = 8 * 3600.0


def _night(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(NIGHT_S * FS_HZ)
    return rng.integers(-4096, 4096, (n, 3)).astype(np.int16)


def codec(counts: np.ndarray, att_mtu: int | None, serial: bool, delta: bool = False) -> str:
    """Encode a night into frames, (COBS,) decode them back; return a report line."""
    fmt = p.SampleFormat(FS_HZ, 8.0, 16)
    n = p.max_samples_per_frame(att_mtu)
    starts = range(0, len(counts), n)
    t0 = time.perf_counter()
    frames = [
        p.encode_data(k, k * 1024, fmt, counts[s : s + n], delta=delta)
        for k, s in enumerate(starts)
    ]
    if serial:
        stream = b"".join(cobs_encode(f) + b"\x00" for f in frames)
    t1 = time.perf_counter()
    if serial:
        blocks = CobsDecoder().feed(stream)
    else:
        blocks = frames
    decoded = [p.decode_frame(b) for b in blocks]
    t2 = time.perf_counter()
    back = np.concatenate([f.samples for f in decoded if isinstance(f, p.DataFrame)])
    ok = np.array_equal(back, counts)
    nbytes = len(stream) if serial else sum(len(f) for f in frames)
    label = "serial+COBS" if serial else f"BLE MTU {att_mtu}" + (" delta" if delta else "")
    return (
        f"{label:18s} {n:2d} samples/frame {len(frames):8d} frames {nbytes / 1e6:6.1f} MB "
        f"({nbytes / len(counts):4.1f} B/sample) | encode {len(frames) / (t1 - t0):9.0f} frames/s "
        f"{len(counts) / (t1 - t0) / 1e6:5.2f} M samples/s | decode {len(frames) / (t2 - t1):9.0f} "
        f"frames/s {len(counts) / (t2 - t1) / 1e6:5.2f} M samples/s | round trip exact: {ok}"
    )


def band_night(counts: np.ndarray, att_mtu: int, step_s: float = 1.0) -> str:
    """Stream a whole night out of the simulated band (with 1 % dropped frames and resends)."""
    band = SimulatedBand(counts, lsb_g=2.0**-12, fs_hz=FS_HZ, device_id="RLS-BENCH-0001")
    band.faults.drop_probability = 0.01
    band.connect(att_mtu=att_mtu)
    band.handle_command(p.cmd_start_stream(1, 0))
    got: dict[int, p.DataFrame] = {}
    t0 = time.perf_counter()
    steps = int(NIGHT_S / step_s) + 2
    cmd_id = 2
    for i in range(steps):
        for raw in band.advance(step_s):
            f = p.decode_frame(raw)
            if isinstance(f, p.DataFrame):
                got.setdefault(f.seq, f)
        if i % 60 == 59:  # once a simulated minute, ask for what is missing
            have = band.next_seq
            missing = [s for s in range(max(0, have - 5000), have) if s not in got]
            for s in missing:
                band.handle_command(p.cmd_resend(cmd_id, s, s + 1))
                cmd_id = (cmd_id + 1) & 0xFFFF
    for _ in range(10):  # drain the last resends
        for raw in band.advance(step_s):
            f = p.decode_frame(raw)
            if isinstance(f, p.DataFrame):
                got.setdefault(f.seq, f)
    elapsed = time.perf_counter() - t0
    complete = len(got) == band.next_seq
    back = np.concatenate([got[k].samples for k in sorted(got)]) if complete else None
    exact = back is not None and np.array_equal(back, counts)
    return (
        f"band night MTU {att_mtu}: {band.stats.data_sent} DATA frames sent "
        f"({band.stats.dropped} dropped, {band.stats.resent} resent) in {elapsed:.1f} s wall "
        f"= {NIGHT_S / elapsed:.0f}x real time; night complete and exact: {exact}"
    )


def main() -> None:
    """Run the codec and band benchmarks for an 8 h night at 50 Hz and print the figures."""
    counts = _night()
    print(f"8 h night at {FS_HZ:g} Hz: {len(counts)} samples")
    for mtu, serial in ((247, False), (517, False), (None, True), (23, False)):
        print(codec(counts, mtu, serial), flush=True)
    print(band_night(counts, 247), flush=True)
    from firmware_host.signal_model import simulate_night

    night = simulate_night(seed=0).counts  # a realistic night: quiet sleep compresses
    print("simulated 8 h night (signal_model, ordinary):")
    print(codec(night, 247, False), flush=True)
    print(codec(night, 247, False, delta=True), flush=True)


if __name__ == "__main__":
    main()
