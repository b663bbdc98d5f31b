"""Accelerometer calibration: static six-pose and free-living auto-calibration.

Pure NumPy/SciPy, no I/O; imports neither ``rls_monitor`` nor ``firmware_host``.
"""
