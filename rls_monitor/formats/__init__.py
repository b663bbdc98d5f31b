"""Readers of device file formats other than the plain CSV.

- :func:`rls_monitor.formats.axivity.read_cwa`: Axivity AX3/AX6 ``.cwa`` (OpenMovement format).
- :func:`rls_monitor.formats.geneactiv.read_geneactiv_bin`: GENEActiv ``.bin``.

Each returns a :class:`~rls_monitor.recording.Recording` (and, on request, the device temperature
per sample for the auto-calibration) and raises :class:`~rls_monitor.errors.RecordingError`, naming
the file, for anything it cannot read. :func:`rls_monitor.recording.read_recording` dispatches on the
suffix; the modules are imported lazily from there.
"""

from __future__ import annotations

__all__: list[str] = []
