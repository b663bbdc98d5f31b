"""Sleep-lab event exports, read to rescore: EDF+ annotations, Noxturnal, NSRR XML, Profusion XML.

:func:`read_event_file` reads any of them (and our own event-list CSV) into an
:class:`~rls_monitor.events.EventList`, which :func:`rls_monitor.score` scores by the WASM 2016
rules with the file's stages (PLMS / PLMW), respiratory events and arousals. What each vendor's
labels mean is one table per format (:mod:`rls_monitor.sleeplab.labels`); a user adds labels with
a small CSV file (:func:`read_label_file`, ``--event-labels FILE``).
"""

from __future__ import annotations

from rls_monitor.sleeplab.edf_annotations import read_edf_annotations
from rls_monitor.sleeplab.labels import (
    FORMATS,
    EventLabel,
    LabelTable,
    label_table,
    read_label_file,
)
from rls_monitor.sleeplab.noxturnal_csv import read_noxturnal_csv
from rls_monitor.sleeplab.nsrr_xml import read_nsrr_xml
from rls_monitor.sleeplab.profusion_xml import read_profusion_xml
from rls_monitor.sleeplab.read import EVENT_FILE_SUFFIXES, is_event_file, read_event_file

__all__ = [
    "EVENT_FILE_SUFFIXES",
    "FORMATS",
    "EventLabel",
    "LabelTable",
    "is_event_file",
    "label_table",
    "read_edf_annotations",
    "read_event_file",
    "read_label_file",
    "read_noxturnal_csv",
    "read_nsrr_xml",
    "read_profusion_xml",
]
