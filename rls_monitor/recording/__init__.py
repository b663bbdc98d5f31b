"""The Recording (3-axis acceleration of one band for one night) and the recording file formats.

- :mod:`~rls_monitor.recording.model`: :class:`Recording`, its gaps (:func:`fill_gaps`) and
  :func:`quantise`;
- :mod:`~rls_monitor.recording.csv_file`: the plain CSV format, :func:`read_csv`, :func:`write_csv`;
- :mod:`~rls_monitor.recording.axivity`: Axivity AX3/AX6 ``.cwa`` files;
- :mod:`~rls_monitor.recording.geneactiv`: GENEActiv ``.bin`` files;
- :mod:`~rls_monitor.recording.location`: the leg side a device's wear location names;
- :mod:`~rls_monitor.recording.read`: :func:`read_recording`, choosing the reader by suffix.
"""

from __future__ import annotations

from rls_monitor.recording.csv_file import read_csv, write_csv
from rls_monitor.recording.model import (
    SIDE_ALIASES,
    SIDES,
    Recording,
    fill_gaps,
    gap_mask,
    quantise,
)
from rls_monitor.recording.read import read_recording

__all__ = [
    "SIDES",
    "SIDE_ALIASES",
    "Recording",
    "fill_gaps",
    "gap_mask",
    "quantise",
    "read_csv",
    "read_recording",
    "write_csv",
]
