"""Loop-based oracles of the detectors (slow, obviously correct): the tests and benchmarks check
the vectorised code of ``rls_monitor.detection`` against them."""
