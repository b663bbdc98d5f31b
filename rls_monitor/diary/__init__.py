"""The night diary: what the patient did and felt on the evening before each night.

A diary belongs to a subject (a pseudonymous label, nothing else). It has

- **evening entries** (:class:`DiaryEntry`), one per night date (the calendar date of the
  evening the night starts): caffeine (cups, time of the last), alcohol (units), nicotine,
  exercise (minutes, time of day), evening symptom severity and how rested the patient feels
  (0-10 scales), medications taken (:class:`Medication`: name, dose with its unit, time), iron
  supplement, compression stockings and a free note (never required);
- **dated entries**: lab results (:class:`LabResult`: ferritin in ng/mL, haemoglobin in g/dL,
  eGFR in mL/min/1.73 m2), pregnancy weeks (:class:`PregnancyEntry`) and treatments with start and
  stop dates (:class:`Treatment`, e.g. a vein procedure or an iron infusion).

The rooms: :mod:`~rls_monitor.diary.model` (validation and the entry classes),
:mod:`~rls_monitor.diary.records` (the entries in the store), :mod:`~rls_monitor.diary.table`
(the join of the diary to the scored nights), :mod:`~rls_monitor.diary.stats` and
:mod:`~rls_monitor.diary.insights` (which factors go with better or worse nights),
:mod:`~rls_monitor.diary.columns` (the diary columns of exports) and
:mod:`~rls_monitor.diary.section` (the report's diary section). The report's figure is
:func:`rls_monitor.report.plots.diary_timeline_figure`.

The names below are loaded from their room on first use, not when the package is imported: an
export or a ``diary add`` imports :mod:`~rls_monitor.diary.model` and its siblings without the
statistics (SciPy), which only :mod:`~rls_monitor.diary.insights` needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rls_monitor.lazy import lazy_names

if TYPE_CHECKING:
    from rls_monitor.diary.columns import (
        EXPORT_COLUMNS,
        diary_columns_for_dates,
        diary_columns_for_nights,
    )
    from rls_monitor.diary.model import (
        DOSE_UNITS,
        ENTRY_FIELDS,
        FIELD_LIMITS,
        DiaryEntry,
        LabResult,
        Medication,
        PregnancyEntry,
        Treatment,
        parse_date,
        parse_entry_text,
        parse_hhmm,
        parse_medication,
        parse_yes_no,
    )
    from rls_monitor.diary.records import (
        add_entry,
        add_lab,
        add_pregnancy,
        add_treatment,
        delete_entry,
        edit_entry,
        get_entry,
        list_entries,
        list_labs,
        list_pregnancies,
        list_treatments,
        stop_treatment,
    )
    from rls_monitor.diary.section import DiarySection, diary_section
    from rls_monitor.diary.stats import NightTable
    from rls_monitor.diary.table import night_date, night_date_of, night_table

_LAZY = {
    "EXPORT_COLUMNS": "rls_monitor.diary.columns",
    "diary_columns_for_dates": "rls_monitor.diary.columns",
    "diary_columns_for_nights": "rls_monitor.diary.columns",
    "DOSE_UNITS": "rls_monitor.diary.model",
    "ENTRY_FIELDS": "rls_monitor.diary.model",
    "FIELD_LIMITS": "rls_monitor.diary.model",
    "DiaryEntry": "rls_monitor.diary.model",
    "LabResult": "rls_monitor.diary.model",
    "LAB_RESULTS": "rls_monitor.diary.model",
    "lab_result": "rls_monitor.diary.model",
    "parse_number_text": "rls_monitor.diary.model",
    "Medication": "rls_monitor.diary.model",
    "PregnancyEntry": "rls_monitor.diary.model",
    "Treatment": "rls_monitor.diary.model",
    "parse_date": "rls_monitor.diary.model",
    "parse_entry_text": "rls_monitor.diary.model",
    "parse_yes_no": "rls_monitor.diary.model",
    "parse_hhmm": "rls_monitor.diary.model",
    "parse_medication": "rls_monitor.diary.model",
    "add_entry": "rls_monitor.diary.records",
    "add_lab": "rls_monitor.diary.records",
    "add_pregnancy": "rls_monitor.diary.records",
    "add_treatment": "rls_monitor.diary.records",
    "delete_entry": "rls_monitor.diary.records",
    "edit_entry": "rls_monitor.diary.records",
    "get_entry": "rls_monitor.diary.records",
    "list_entries": "rls_monitor.diary.records",
    "list_labs": "rls_monitor.diary.records",
    "list_pregnancies": "rls_monitor.diary.records",
    "list_treatments": "rls_monitor.diary.records",
    "stop_treatment": "rls_monitor.diary.records",
    "DiarySection": "rls_monitor.diary.section",
    "diary_section": "rls_monitor.diary.section",
    "NightTable": "rls_monitor.diary.stats",
    "night_date": "rls_monitor.diary.table",
    "night_date_of": "rls_monitor.diary.table",
    "night_table": "rls_monitor.diary.table",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())


__all__ = [
    "DOSE_UNITS",
    "ENTRY_FIELDS",
    "EXPORT_COLUMNS",
    "FIELD_LIMITS",
    "LAB_RESULTS",
    "DiaryEntry",
    "DiarySection",
    "LabResult",
    "Medication",
    "NightTable",
    "PregnancyEntry",
    "Treatment",
    "add_entry",
    "add_lab",
    "add_pregnancy",
    "add_treatment",
    "delete_entry",
    "diary_columns_for_dates",
    "diary_columns_for_nights",
    "diary_section",
    "edit_entry",
    "get_entry",
    "lab_result",
    "list_entries",
    "list_labs",
    "list_pregnancies",
    "list_treatments",
    "night_date",
    "night_date_of",
    "night_table",
    "parse_date",
    "parse_entry_text",
    "parse_hhmm",
    "parse_medication",
    "parse_number_text",
    "parse_yes_no",
    "stop_treatment",
]
