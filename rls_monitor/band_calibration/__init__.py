"""Host side of calibration: per band, in the store, applied before scoring, the guided six-pose.

The math (fits, still windows, the model) is the pure :mod:`calibration` package; this package
is its glue to recordings, the store and the band. Errors of the calibration package become
:class:`~rls_monitor.errors.CalibrationError` (chained).
"""
