"""Benchmarks: speed and memory targets are measured here, never asserted as timings in tests.

Run them all with ``make bench`` (``python -m benchmarks``) or one with
``python -m benchmarks.bench_detection``.
"""
