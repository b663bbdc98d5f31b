"""The label-to-event tables: what each sleep-lab format's event labels mean to us.

One table per format (:data:`FORMATS`): EDF+ annotation texts, Noxturnal event names (with the
labels of its localised versions), NSRR XML event concepts and Compumedics Profusion event names.
Each maps a vendor's label to an :class:`EventLabel`: a leg movement (with its side when the label
says one), a sleep stage (``W``, ``N1``, ``N2``, ``N3``, ``R``, ``?``), an arousal, or a
respiratory event (``apnea``, ``hypopnea``, ``rera``). Labels are matched without regard to case,
accents kept, runs of white space taken as one space. A label no table knows is not an error: the
readers ignore it and count it in the event list's metadata (``unknown_labels``).

Labels left out on purpose: a vendor's *periodic* leg movement or PLM series events (``PLM``,
``PLM (Left)``: we score the series ourselves from the single LMs), body positions (the French
Noxturnal export calls the left and right side positions ``Gauche`` and ``Droite``), desaturations,
artefacts and notes.

A user extends a table with a small CSV file (``--event-labels FILE`` on the command line,
:func:`read_label_file` here)::

    # label,type[,side or stage]
    Bein li,lm,left
    Bein re,lm,right
    Schlafstadium 2,stage,N2
    Weckreaktion,arousal

Where the labels come from: the French Noxturnal labels (``Éveil``, ``MJ``, ``Micro-éveil``,
``A. Obstructive``, ``A. Centrale``, ``A. Mixte``, ``Hypopnée``) are those of real Noxturnal
exports published with the rsleep R package's tests; the NSRR concepts and Profusion names are
those of the NSRR's published annotation files. The English, German, Spanish and Nordic Noxturnal
labels are the words of those languages for the same events, assumed, not seen in an export: a
lab whose software words them otherwise adds them with a label file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rls_monitor.errors import ConfigError, RecordingError, check_option
from rls_monitor.events import EVENT_TYPES, STAGE_ALIASES
from rls_monitor.recording import SIDE_ALIASES
from rls_monitor.sleeplab.export_file import decode_export_text, read_export_bytes

__all__ = [
    "EDF_LABELS",
    "FORMATS",
    "NOXTURNAL_LABELS",
    "NSRR_LABELS",
    "PROFUSION_LABELS",
    "EventLabel",
    "LabelTable",
    "label_table",
    "normalise_label",
    "read_label_file",
]

FORMATS = ("edf", "noxturnal", "nsrr", "profusion")
"""The sleep-lab export formats, each with its own label table."""

STAGE_CODES = ("W", "N1", "N2", "N3", "R", "?")
"""Stages an :class:`EventLabel` may carry (``?``: unscored)."""


@dataclass(frozen=True)
class EventLabel:
    """What one vendor label means.

    Parameters
    ----------
    type : str
        One of :data:`rls_monitor.events.EVENT_TYPES`: ``lm``, ``stage``, ``arousal``,
        ``apnea``, ``hypopnea``, ``rera``.
    side : str
        For ``lm``: ``left``, ``right`` or ``unknown``.
    stage : str
        For ``stage``: ``W``, ``N1``, ``N2``, ``N3``, ``R`` or ``?``.

    Raises
    ------
    ConfigError
        An unknown type, side or stage, or a stage label without its stage.
    """

    type: str
    side: str = "unknown"
    stage: str = ""

    def __post_init__(self) -> None:
        check_option("type", self.type, EVENT_TYPES)
        check_option("side", self.side, ("left", "right", "unknown"))
        if self.type == "stage":
            check_option("stage", self.stage, STAGE_CODES)


def normalise_label(text: str) -> str:
    """A label as the tables key it: stripped, case-folded, runs of white space as one space.

    Examples
    --------
    >>> normalise_label("  Limb  Movement (LEFT) ")
    'limb movement (left)'
    """
    return re.sub(r"\s+", " ", text.strip()).casefold()


def _lm(side: str = "unknown") -> EventLabel:
    return EventLabel("lm", side=side)


def _stage(stage: str) -> EventLabel:
    return EventLabel("stage", stage=stage)


_AROUSAL = EventLabel("arousal")
_APNEA = EventLabel("apnea")
_HYPOPNEA = EventLabel("hypopnea")
_RERA = EventLabel("rera")


def _table(entries: Mapping[str, EventLabel]) -> dict[str, EventLabel]:
    return {normalise_label(k): v for k, v in entries.items()}


EDF_LABELS: Mapping[str, EventLabel] = _table(
    {
        # stages: the Sleep-EDF / MNE wording, R&K stages 3 and 4 as N3
        "Sleep stage W": _stage("W"),
        "Sleep stage 1": _stage("N1"),
        "Sleep stage 2": _stage("N2"),
        "Sleep stage 3": _stage("N3"),
        "Sleep stage 4": _stage("N3"),
        "Sleep stage N1": _stage("N1"),
        "Sleep stage N2": _stage("N2"),
        "Sleep stage N3": _stage("N3"),
        "Sleep stage R": _stage("R"),
        "Sleep stage REM": _stage("R"),
        "Sleep stage ?": _stage("?"),
        "Sleep stage unscored": _stage("?"),
        # bare stage codes, as PSG software that writes its own event names into EDF+ has them
        "W": _stage("W"),
        "Wake": _stage("W"),
        "N1": _stage("N1"),
        "N2": _stage("N2"),
        "N3": _stage("N3"),
        "R": _stage("R"),
        "REM": _stage("R"),
        "Limb movement": _lm(),
        "Leg movement": _lm(),
        "LM": _lm(),
        "Limb movement (left)": _lm("left"),
        "Limb movement (right)": _lm("right"),
        "Leg movement (left)": _lm("left"),
        "Leg movement (right)": _lm("right"),
        "Left leg movement": _lm("left"),
        "Right leg movement": _lm("right"),
        "Arousal": _AROUSAL,
        "Arousal (spontaneous)": _AROUSAL,
        "Arousal (respiratory)": _AROUSAL,
        "Arousal (limb movement)": _AROUSAL,
        "Apnea": _APNEA,
        "Obstructive apnea": _APNEA,
        "Central apnea": _APNEA,
        "Mixed apnea": _APNEA,
        "Hypopnea": _HYPOPNEA,
        "Obstructive hypopnea": _HYPOPNEA,
        "Central hypopnea": _HYPOPNEA,
        "RERA": _RERA,
        "Respiratory effort related arousal": _RERA,
    }
)
"""EDF+ annotation texts (the Sleep-EDF and AASM wording)."""

NOXTURNAL_LABELS: Mapping[str, EventLabel] = _table(
    {
        # stages (the same codes in every language; wake is localised)
        "N1": _stage("N1"),
        "N2": _stage("N2"),
        "N3": _stage("N3"),
        "REM": _stage("R"),
        "R": _stage("R"),
        "W": _stage("W"),
        "Wake": _stage("W"),
        "Sleep-W": _stage("W"),
        "Sleep-N1": _stage("N1"),
        "Sleep-N2": _stage("N2"),
        "Sleep-N3": _stage("N3"),
        "Sleep-REM": _stage("R"),
        "Unscored": _stage("?"),
        "Éveil": _stage("W"),  # French (real exports)
        "Wach": _stage("W"),  # German
        "Vigilia": _stage("W"),  # Spanish
        "Despierto": _stage("W"),
        "Vaka": _stage("W"),  # Icelandic
        "Vaken": _stage("W"),  # Swedish
        "Vågen": _stage("W"),  # Danish
        "Våken": _stage("W"),  # Norwegian
        # leg movements
        "Limb Movement": _lm(),
        "Leg Movement": _lm(),
        "LM": _lm(),
        "Limb Movement (Left)": _lm("left"),
        "Limb Movement (Right)": _lm("right"),
        "Leg Movement Left": _lm("left"),
        "Leg Movement Right": _lm("right"),
        "Limb Movement Left": _lm("left"),
        "Limb Movement Right": _lm("right"),
        "MJ": _lm(),  # French: mouvement de jambe (real exports)
        "Mouvement de jambe": _lm(),
        "MJ gauche": _lm("left"),
        "MJ droite": _lm("right"),
        "Mouvement de jambe gauche": _lm("left"),
        "Mouvement de jambe droite": _lm("right"),
        "Beinbewegung": _lm(),  # German
        "Beinbewegung links": _lm("left"),
        "Beinbewegung rechts": _lm("right"),
        "Movimiento de piernas": _lm(),  # Spanish
        "Movimiento de pierna": _lm(),
        "Movimiento de extremidades": _lm(),
        "Movimiento de pierna izquierda": _lm("left"),
        "Movimiento de pierna derecha": _lm("right"),
        "Fótahreyfing": _lm(),  # Icelandic
        "Útlimahreyfing": _lm(),
        "Fótahreyfing vinstri": _lm("left"),
        "Fótahreyfing hægri": _lm("right"),
        "Benrörelse": _lm(),  # Swedish
        "Benbevægelse": _lm(),  # Danish
        "Benbevegelse": _lm(),  # Norwegian
        # arousals
        "Arousal": _AROUSAL,
        "Micro-éveil": _AROUSAL,  # French (real exports)
        "Weckreaktion": _AROUSAL,  # German
        "Microdespertar": _AROUSAL,  # Spanish
        "Örvun": _AROUSAL,  # Icelandic
        "Uppvaknande": _AROUSAL,  # Swedish
        "Opvågning": _AROUSAL,  # Danish
        "Oppvåkning": _AROUSAL,  # Norwegian
        # respiratory events
        "Apnea": _APNEA,
        "A. Obstructive": _APNEA,  # English and French (real exports)
        "A. Central": _APNEA,
        "A. Mixed": _APNEA,
        "Apnea Obstructive": _APNEA,
        "Apnea Central": _APNEA,
        "Apnea Mixed": _APNEA,
        "Obstructive Apnea": _APNEA,
        "Central Apnea": _APNEA,
        "Mixed Apnea": _APNEA,
        "Hypopnea": _HYPOPNEA,
        "RERA": _RERA,
        "Apnée": _APNEA,  # French
        "A. Centrale": _APNEA,
        "A. Mixte": _APNEA,
        "Hypopnée": _HYPOPNEA,
        "Apnoe": _APNEA,  # German
        "A. Obstruktiv": _APNEA,
        "A. Zentral": _APNEA,
        "A. Gemischt": _APNEA,
        "Obstruktive Apnoe": _APNEA,
        "Zentrale Apnoe": _APNEA,
        "Gemischte Apnoe": _APNEA,
        "Hypopnoe": _HYPOPNEA,
        "A. Obstructiva": _APNEA,  # Spanish
        "A. Mixta": _APNEA,
        "Apnea obstructiva": _APNEA,
        "Apnea central": _APNEA,
        "Apnea mixta": _APNEA,
        "Hipopnea": _HYPOPNEA,
        "ERAM": _RERA,
        "Öndunarhlé": _APNEA,  # Icelandic
        "Grunnöndun": _HYPOPNEA,
        "Apné": _APNEA,  # Swedish
        "Obstruktiv apné": _APNEA,
        "Central apné": _APNEA,
        "Blandad apné": _APNEA,
        "Hypopné": _HYPOPNEA,
        "Apnø": _APNEA,  # Danish, Norwegian
        "Obstruktiv apnø": _APNEA,
        "Hypopnø": _HYPOPNEA,
    }
)
"""Noxturnal event names, English and localised (French from real exports; see the module)."""

NSRR_LABELS: Mapping[str, EventLabel] = _table(
    {
        # matched on the whole concept and on its part before "|"
        "Wake|0": _stage("W"),
        "Stage 1 sleep|1": _stage("N1"),
        "Stage 2 sleep|2": _stage("N2"),
        "Stage 3 sleep|3": _stage("N3"),
        "Stage 4 sleep|4": _stage("N3"),
        "REM sleep|5": _stage("R"),
        "Movement|6": _stage("?"),
        "Unscored|9": _stage("?"),
        "Limb movement - left|Limb Movement (Left)": _lm("left"),
        "Limb movement - right|Limb Movement (Right)": _lm("right"),
        "Limb movement|Limb Movement": _lm(),
        "Leg movement - left": _lm("left"),
        "Leg movement - right": _lm("right"),
        "Arousal|Arousal ()": _AROUSAL,
        "Arousal|Arousal (Standard)": _AROUSAL,
        "Arousal|Arousal (STANDARD)": _AROUSAL,
        "ASDA arousal|Arousal (ASDA)": _AROUSAL,
        "Spontaneous arousal|Arousal (ARO SPONT)": _AROUSAL,
        "Arousal resulting from respiratory effort|Arousal (ARO RES)": _AROUSAL,
        "Arousal resulting from limb movement|Arousal (ARO Limb)": _AROUSAL,
        "Arousal resulting from Chin EMG|Arousal (CHESHIRE)": _AROUSAL,
        "External arousal|Arousal (External Arousal)": _AROUSAL,
        "Obstructive apnea|Obstructive Apnea": _APNEA,
        "Central apnea|Central Apnea": _APNEA,
        "Mixed apnea|Mixed Apnea": _APNEA,
        "Hypopnea|Hypopnea": _HYPOPNEA,
        "Obstructive hypopnea|Obstructive Hypopnea": _HYPOPNEA,
        "Central hypopnea|Central Hypopnea": _HYPOPNEA,
        "Respiratory effort related arousal|RERA": _RERA,
        "RERA|RERA": _RERA,
    }
)
"""NSRR XML event concepts (``name|label``; the part before ``|`` also matches)."""
NSRR_LABELS = {
    # "Movement|6" keeps its code: a bare "movement" is not a stage
    **{
        k.split("|", 1)[0].strip(): v
        for k, v in NSRR_LABELS.items()
        if "|" in k and not k.startswith("movement|")
    },
    **NSRR_LABELS,
}

PROFUSION_LABELS: Mapping[str, EventLabel] = _table(
    {
        "Limb Movement (Left)": _lm("left"),
        "Limb Movement (Right)": _lm("right"),
        "Limb Movement": _lm(),
        "Arousal ()": _AROUSAL,
        "Arousal (Standard)": _AROUSAL,
        "Arousal (ASDA)": _AROUSAL,
        "Arousal (ARO SPONT)": _AROUSAL,
        "Arousal (ARO RES)": _AROUSAL,
        "Arousal (ARO Limb)": _AROUSAL,
        "Arousal (CHESHIRE)": _AROUSAL,
        "Arousal (External Arousal)": _AROUSAL,
        "Arousal": _AROUSAL,
        "Obstructive Apnea": _APNEA,
        "Central Apnea": _APNEA,
        "Mixed Apnea": _APNEA,
        "Hypopnea": _HYPOPNEA,
        "Obstructive Hypopnea": _HYPOPNEA,
        "Central Hypopnea": _HYPOPNEA,
        "RERA": _RERA,
    }
)
"""Compumedics Profusion ``ScoredEvent/Name`` values (stages are the ``SleepStages`` codes)."""

_TABLES = {
    "edf": EDF_LABELS,
    "noxturnal": NOXTURNAL_LABELS,
    "nsrr": NSRR_LABELS,
    "profusion": PROFUSION_LABELS,
}


@dataclass(frozen=True)
class LabelTable:
    """One format's labels, with a user's additions.

    Parameters
    ----------
    format : str
        One of :data:`FORMATS`.
    extra : mapping of str to EventLabel
        Labels added (or redefined) by the user, e.g. from :func:`read_label_file`.
    """

    format: str
    extra: Mapping[str, EventLabel] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_option("format", self.format, FORMATS)
        object.__setattr__(
            self, "extra", {normalise_label(k): v for k, v in dict(self.extra).items()}
        )

    def lookup(self, text: str) -> EventLabel | None:
        """The meaning of ``text``, or None when neither the table nor the user knows it.

        For NSRR concepts (``name|label``) the whole concept is looked up first, then its
        ``name`` part.
        """
        key = normalise_label(text)
        candidates = [key]
        if self.format == "nsrr" and "|" in key:
            candidates.append(key.split("|", 1)[0].strip())
        for k in candidates:
            for table in (self.extra, _TABLES[self.format]):
                if k in table:
                    return table[k]
        return None


def label_table(format: str, extra: Mapping[str, EventLabel] | None = None) -> LabelTable:
    """The label table of ``format``, extended with ``extra``.

    Examples
    --------
    >>> label_table("noxturnal").lookup("Micro-éveil")
    EventLabel(type='arousal', side='unknown', stage='')
    """
    return LabelTable(format, dict(extra or {}))


def read_label_file(path: str | Path) -> dict[str, EventLabel]:
    """Read a user's label file: one ``label,type[,side or stage]`` row per label.

    The delimiter is the one of comma, semicolon and tab that the first row has most of; UTF-8
    or UTF-16 text;
    ``#`` lines are comments; a first row ``label,type,...`` is a header and skipped. ``type``
    is one of ``lm``, ``stage``, ``arousal``, ``apnea``, ``hypopnea``, ``rera``; the third
    column is the side of an ``lm`` (``left``, ``right``, empty) or the stage of a ``stage``
    (``W``, ``N1``, ``N2``, ``N3``, ``R``, ``?``; ``Wake``, ``REM`` and ``N4`` accepted).

    Returns
    -------
    dict of str to EventLabel
        To pass as ``labels`` to :func:`rls_monitor.sleeplab.read_event_file`.

    Raises
    ------
    RecordingError
        The file cannot be read, or a row (named by its line) has an unknown type, side or
        stage, or no label.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "labels.csv"
    >>> _ = p.write_text("Bein li,lm,left\\nSchlaf 2,stage,N2\\n", encoding="utf-8")
    >>> sorted(read_label_file(p))
    ['bein li', 'schlaf 2']
    """
    path = Path(path)
    text, _ = decode_export_text(read_export_bytes(path, "label file"), path)
    lines = text.splitlines()
    first = next((x for x in lines if x.strip() and not x.lstrip().startswith("#")), "")
    delimiter = max((",", ";", "\t"), key=first.count)  # the most frequent; a comma on a tie
    out: dict[str, EventLabel] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if not out and [c.lower() for c in cells[:2]] == ["label", "type"]:
            continue
        if len(cells) < 2 or not cells[0]:
            raise RecordingError(
                "a row needs a label and a type (label,type[,side or stage])",
                path=path,
                line=number,
            )
        kind = cells[1].lower()
        third = cells[2] if len(cells) > 2 else ""
        try:
            if kind == "stage":
                stage = STAGE_ALIASES.get(third.lower())
                if stage is None:
                    raise ConfigError(
                        f"stage must be one of W, N1, N2, N3, R, ?; got {third!r}", name="stage"
                    )
                label = EventLabel("stage", stage=stage)
            elif kind == "lm":
                side = SIDE_ALIASES.get(third.lower())
                if side is None:
                    raise ConfigError(
                        f"side must be left, right or empty; got {third!r}", name="side"
                    )
                label = EventLabel("lm", side=side)
            else:
                label = EventLabel(kind)
        except ConfigError as exc:
            raise RecordingError(str(exc), path=path, line=number) from exc
        out[normalise_label(cells[0])] = label
    return out
