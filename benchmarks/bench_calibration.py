"""Benchmark of the calibration: still windows of an 8 h night and auto-calibration of a week.

Run with ``python -m benchmarks calibration`` (or ``make bench``). Prints timings; asserts nothing.
"""

from __future__ import annotations

import time

import numpy as np

from calibration import StillWindows, fit_auto_from_windows, fit_six_pose, still_windows

FS_HZ = 50.0
WINDOW_S = 10.0


def _week_of_windows(rng: np.random.Generator) -> tuple[StillWindows, np.ndarray, np.ndarray]:
    """Seven days of 10 s windows (60 480): a third still, in orientations covering the sphere."""
    n = 7 * 24 * 3600 // int(WINDOW_S)
    offset = np.array([0.045, -0.03, 0.06])
    scale = np.array([1.02, 0.985, 1.01])
    coef = np.array([0.0008, -0.0005, 0.001])
    direction = rng.normal(size=(n, 3))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    temp = 28.0 + 4.0 * np.sin(np.arange(n) * 2 * np.pi / 8640) + rng.normal(0, 0.3, n)
    raw = direction / scale - offset - (temp - temp.mean())[:, None] * coef / scale
    raw += rng.normal(0, 0.0005, raw.shape)  # 3 mg noise averaged over a window
    sd = np.where(rng.random((n, 1)) < 1 / 3, 0.004, 0.08) * np.ones((1, 3))
    windows = StillWindows(
        mean_g=raw,
        sd_g=sd,
        start_s=np.arange(n, dtype=np.float64) * WINDOW_S,
        temperature_degc=temp,
        window_s=WINDOW_S,
        n_windows_total=n,
    )
    return windows, offset, scale


def main() -> None:
    rng = np.random.default_rng(2026)

    night = rng.normal(0, 0.004, (int(8 * 3600 * FS_HZ), 3)).astype(np.float32)
    night[:, 2] += 1.0
    start = time.perf_counter()
    found = still_windows(night, FS_HZ, window_s=WINDOW_S)
    elapsed = time.perf_counter() - start
    print(f"still windows of an 8 h night at {FS_HZ:g} Hz: {len(found)} windows in {elapsed:.3f} s")

    windows, offset, scale = _week_of_windows(rng)
    start = time.perf_counter()
    result = fit_auto_from_windows(windows)
    elapsed = time.perf_counter() - start
    cal = result.calibration
    print(
        f"auto-calibration of a week ({windows.n_windows_total} windows, {result.n_windows} still, "
        f"with temperature): {elapsed:.3f} s, {result.n_iterations} iterations, "
        f"accepted={result.accepted}, error {result.error_before_mg:.1f} -> "
        f"{result.error_after_mg:.2f} mg"
    )
    print(
        f"  offset error {np.max(np.abs(cal.offset_g - offset)) * 1000:.3f} mg, "
        f"scale error {np.max(np.abs(cal.scale / scale - 1)) * 100:.4f} %"
    )

    poses = np.repeat(np.vstack([np.eye(3), -np.eye(3)]), int(15 * FS_HZ), axis=0)
    raw = (poses / scale - offset + rng.normal(0, 0.003, poses.shape)).astype(np.float32)
    start = time.perf_counter()
    static = fit_six_pose(raw, FS_HZ, cross_axis=True)
    elapsed = time.perf_counter() - start
    print(
        f"six-pose fit (cross-axis, 90 s at {FS_HZ:g} Hz): {elapsed * 1000:.1f} ms, "
        f"error {static.error_before_mg:.1f} -> {static.error_after_mg:.2f} mg"
    )


if __name__ == "__main__":
    main()
