"""Run every ``benchmarks/bench_*.py`` script's ``main()`` in turn (``make bench``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import benchmarks


def run(selected: list[str]) -> int:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name.startswith("bench_")
    )
    if selected:
        names = [n for n in names if any(s in n for s in selected)]
    failures = 0
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        start = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        try:
            module.main()
        except Exception as exc:  # a benchmark failing must not hide the others
            failures += 1
            print(f"{name} failed: {type(exc).__name__}: {exc}", flush=True)
        print(f"({name}: {time.perf_counter() - start:.1f} s)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
