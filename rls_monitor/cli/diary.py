"""``rls-monitor diary`` (the night diary) and ``rls-monitor insights`` (what goes with worse nights).

``diary add / edit / list / delete`` keep the evening entries; ``diary lab``, ``diary pregnancy``
and ``diary treatment`` the dated ones. Run in a terminal without field options, ``diary add``
asks for each field in turn (``--interactive`` forces it, ``--no-interactive`` never asks).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from rls_monitor.cli.common import F, db_option, echo_json, open_store, rules_filter_option
from rls_monitor.errors import ConfigError

__all__ = ["diary_group", "insights_command"]

_DEFAULT_SUBJECT = "default"


def _subject_option(func: F) -> F:
    return click.option(
        "--subject",
        default=_DEFAULT_SUBJECT,
        show_default=True,
        help="Pseudonymous subject label (never a name).",
    )(func)


def _date_option(func: F) -> F:
    return click.option(
        "--date",
        "day",
        default="today",
        show_default=True,
        help="The evening the night starts: YYYY-MM-DD, today or yesterday.",
    )(func)


#: (option, dataclass field, click type, help) of the evening fields with a value.
_VALUE_OPTIONS: tuple[tuple[str, str, Any, str], ...] = (
    ("--caffeine-cups", "caffeine_cups", click.FLOAT, "Cups of coffee or equivalent that day."),
    ("--caffeine-last", "caffeine_last_hhmm", str, "Time of the last one, HH:MM."),
    ("--alcohol-units", "alcohol_units", click.FLOAT, "Units of alcohol (10 g each) that day."),
    ("--exercise-min", "exercise_min", click.FLOAT, "Minutes of exercise that day."),
    ("--exercise-time", "exercise_hhmm", str, "When the exercise started, HH:MM."),
    ("--symptoms", "symptoms_0_10", click.INT, "Evening RLS symptom severity, 0 (none) to 10."),
    ("--rested", "rested_0_10", click.INT, "How rested you feel, 0 (exhausted) to 10."),
    ("--note", "note", str, "Free note (optional)."),
)
#: (option pair, field, help) of the yes/no fields.
_FLAG_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("--nicotine/--no-nicotine", "nicotine", "Any nicotine that day."),
    ("--iron/--no-iron", "iron_supplement", "Oral iron supplement taken that day."),
    ("--stockings/--no-stockings", "compression_stockings", "Compression stockings worn."),
)


def _entry_options(func: F) -> F:
    func = click.option(
        "--medication",
        "medications",
        multiple=True,
        help='A medication taken: "NAME DOSE UNIT [HH:MM]", e.g. "pramipexole 0.25 mg 21:30" '
        "(repeat for several).",
    )(func)
    for opt, name, help_text in reversed(_FLAG_OPTIONS):
        func = click.option(opt, name, default=None, help=help_text)(func)
    for opt, name, kind, help_text in reversed(_VALUE_OPTIONS):
        func = click.option(opt, name, type=kind, default=None, help=help_text)(func)
    return func


def _given(kwargs: dict[str, Any]) -> dict[str, Any]:
    from rls_monitor.diary.model import parse_medication

    out = {
        name: kwargs[name]
        for _, name, *_ in (*_VALUE_OPTIONS, *_FLAG_OPTIONS)
        if kwargs.get(name) is not None
    }
    if kwargs.get("medications"):
        out["medications"] = tuple(parse_medication(m) for m in kwargs["medications"])
    return out


def _ask(label: str, parse: Callable[[str], Any]) -> Any:
    """Prompt until the answer parses (blank: not recorded)."""
    while True:
        text = click.prompt(label, default="", show_default=False)
        if not str(text).strip():
            return None
        try:
            return parse(str(text).strip())
        except ConfigError as exc:
            click.echo(f"  {exc}", err=True)


def _prompt_entry() -> dict[str, Any]:
    from rls_monitor.diary.model import parse_entry_text, parse_medication

    click.echo("Evening diary (leave blank to skip a field).")
    out: dict[str, Any] = {}
    prompts: tuple[tuple[str, str], ...] = (
        ("caffeine_cups", "Cups of coffee (or equivalent) today"),
        ("caffeine_last_hhmm", "Time of the last one (HH:MM)"),
        ("alcohol_units", "Units of alcohol today"),
        ("nicotine", "Any nicotine today (y/n)"),
        ("exercise_min", "Minutes of exercise today"),
        ("exercise_hhmm", "When did it start (HH:MM)"),
        ("symptoms_0_10", "Evening leg symptoms, 0 (none) to 10 (worst)"),
        ("rested_0_10", "How rested do you feel, 0 (exhausted) to 10"),
        ("iron_supplement", "Iron supplement today (y/n)"),
        ("compression_stockings", "Compression stockings today (y/n)"),
    )
    for name, label in prompts:
        value = _ask(label, functools.partial(parse_entry_text, name))
        if value is not None:
            out[name] = value
    meds = []
    while True:
        med = _ask('Medication taken ("NAME DOSE UNIT HH:MM"; blank when done)', parse_medication)
        if med is None:
            break
        meds.append(med)
    if meds:
        out["medications"] = tuple(meds)
    note = click.prompt("Note (optional)", default="", show_default=False)
    if note.strip():
        out["note"] = note
    return out


@click.group("diary")
def diary_group() -> None:
    """The night diary: evening factors, medication, labs, pregnancy and treatments."""


@diary_group.command("add")
@_subject_option
@_date_option
@_entry_options
@click.option(
    "--interactive/--no-interactive",
    default=None,
    help="Ask for each field (default: when run in a terminal without field options).",
)
@click.option("--replace", "replace_existing", is_flag=True, help="Overwrite an existing entry.")
@click.option("--json", "as_json", is_flag=True, help="Print the stored entry as JSON.")
@db_option
def diary_add(
    subject: str,
    day: str,
    interactive: bool | None,
    replace_existing: bool,
    as_json: bool,
    db_path: Path | None,
    **fields: Any,
) -> None:
    """Add the diary entry of an evening (--date, default today)."""
    from rls_monitor.diary.model import DiaryEntry, parse_date
    from rls_monitor.diary.records import add_entry, get_entry

    night_date = parse_date(day, "--date")
    given = _given(fields)
    if interactive is None:
        interactive = not given and sys.stdin.isatty()
    if interactive:
        given = {**_prompt_entry(), **given}
    if not given:
        raise ConfigError(
            "nothing was given: name at least one field (e.g. --caffeine-cups 2; see --help), "
            "or run it in a terminal to be asked field by field",
            name="add",
        )
    entry = DiaryEntry(subject=subject, night_date=night_date, **given)
    with open_store(db_path) as store:
        add_entry(store, entry, replace_existing=replace_existing)
        stored = get_entry(store, entry.subject, night_date)
    if as_json and stored is not None:
        echo_json(stored.to_dict(), ensure_ascii=False)
    else:
        click.echo(f"Diary entry of {entry.subject} for the night of {night_date} saved.")


@diary_group.command("edit")
@_subject_option
@click.option("--date", "day", required=True, help="The entry's evening, YYYY-MM-DD.")
@_entry_options
@click.option("--no-medications", is_flag=True, help="Clear the medications of the entry.")
@click.option(
    "--clear",
    "clear",
    multiple=True,
    help="Clear a field (e.g. --clear alcohol_units; repeat for several).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the stored entry as JSON.")
@db_option
def diary_edit(
    subject: str,
    day: str,
    no_medications: bool,
    clear: tuple[str, ...],
    as_json: bool,
    db_path: Path | None,
    **fields: Any,
) -> None:
    """Change fields of an existing entry (only the options given change)."""
    from rls_monitor.diary.model import ENTRY_FIELDS, parse_date
    from rls_monitor.diary.records import edit_entry

    changes = _given(fields)
    for name in clear:
        if name not in ENTRY_FIELDS:
            raise ConfigError(
                f"--clear: unknown field {name!r}; the fields are {', '.join(ENTRY_FIELDS)}",
                name="--clear",
                value=name,
                allowed=ENTRY_FIELDS,
            )
        changes[name] = None
    if no_medications:
        changes["medications"] = ()
    if not changes:
        raise ConfigError("nothing to change: give at least one field option", name="edit")
    with open_store(db_path, create=False) as store:
        entry = edit_entry(store, subject, parse_date(day, "--date"), changes)
    if as_json:
        echo_json(entry.to_dict(), ensure_ascii=False)
    else:
        click.echo(f"Diary entry of {entry.subject} for the night of {entry.night_date} updated.")


def _entry_line(e: Any) -> str:
    parts = []
    if e.caffeine_cups is not None:
        last = f" (last {e.caffeine_last_hhmm})" if e.caffeine_last_hhmm else ""
        cups = "cup" if e.caffeine_cups == 1 else "cups"
        parts.append(f"caffeine {e.caffeine_cups:g} {cups}{last}")
    if e.alcohol_units is not None:
        units = "unit" if e.alcohol_units == 1 else "units"
        parts.append(f"alcohol {e.alcohol_units:g} {units}")
    if e.exercise_min is not None:
        at = f" at {e.exercise_hhmm}" if e.exercise_hhmm else ""
        parts.append(f"exercise {e.exercise_min:g} min{at}")
    for name, label in (
        ("nicotine", "nicotine"),
        ("iron_supplement", "iron"),
        ("compression_stockings", "stockings"),
    ):
        v = getattr(e, name)
        if v is not None:
            parts.append(label if v else f"no {label}")
    if e.symptoms_0_10 is not None:
        parts.append(f"symptoms {e.symptoms_0_10}/10")
    if e.rested_0_10 is not None:
        parts.append(f"rested {e.rested_0_10}/10")
    parts += [str(m) for m in e.medications]
    if e.note:
        parts.append(f'note "{e.note}"')
    return f"{e.night_date}  {e.subject}: " + ("; ".join(parts) or "(empty)")


@diary_group.command("list")
@click.option("--subject", default=None, help="Only this subject.")
@click.option("--from", "start", default=None, help="First date, YYYY-MM-DD.")
@click.option("--to", "end", default=None, help="Last date, YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON.")
@db_option
def diary_list(
    subject: str | None, start: str | None, end: str | None, as_json: bool, db_path: Path | None
) -> None:
    """List diary entries, lab results, pregnancy weeks and treatments."""
    from rls_monitor import diary

    with open_store(db_path, create=False) as store:
        entries = diary.list_entries(store, subject, start=start, end=end)
        labs = diary.list_labs(store, subject)
        pregnancies = diary.list_pregnancies(store, subject)
        treatments = diary.list_treatments(store, subject)
    if as_json:
        echo_json(
            {
                "entries": [e.to_dict() for e in entries],
                "labs": [x.to_dict() for x in labs],
                "pregnancy": [x.to_dict() for x in pregnancies],
                "treatments": [x.to_dict() for x in treatments],
            },
            ensure_ascii=False,
        )
        return
    if not (entries or labs or pregnancies or treatments):
        click.echo("no diary entries")
    for e in entries:
        click.echo(_entry_line(e))
    for lab in labs:
        values = [
            f"{label} {v:g} {unit}"
            for label, v, unit in (
                ("ferritin", lab.ferritin_ng_per_ml, "ng/mL"),
                ("haemoglobin", lab.haemoglobin_g_per_dl, "g/dL"),
                ("eGFR", lab.egfr_ml_per_min_1_73m2, "mL/min/1.73m2"),
            )
            if v is not None
        ]
        click.echo(f"{lab.lab_date}  {lab.subject}: lab " + ", ".join(values))
    for p in pregnancies:
        click.echo(f"{p.entry_date}  {p.subject}: pregnancy week {p.week}")
    for t in treatments:
        stop = f" to {t.stop_date}" if t.stop_date else " (ongoing)"
        click.echo(f"{t.start_date}  {t.subject}: treatment #{t.id} {t.name}{stop}")


@diary_group.command("delete")
@_subject_option
@click.option("--date", "day", required=True, help="The entry's evening, YYYY-MM-DD.")
@db_option
def diary_delete(subject: str, day: str, db_path: Path | None) -> None:
    """Delete the evening entry of a date."""
    from rls_monitor.diary.records import delete_entry

    with open_store(db_path, create=False) as store:
        gone = delete_entry(store, subject, day)
    if not gone:
        raise ConfigError(f"there is no diary entry for {subject} on {day}", name="--date")
    click.echo(f"Diary entry of {subject} for {day} deleted.")


@diary_group.command("lab")
@_subject_option
@_date_option
@click.option("--ferritin", type=click.FLOAT, default=None, help="Serum ferritin, ng/mL.")
@click.option("--haemoglobin", type=click.FLOAT, default=None, help="Haemoglobin, g/dL.")
@click.option("--egfr", type=click.FLOAT, default=None, help="eGFR, mL/min/1.73 m2.")
@click.option("--note", default=None, help="Free note (optional).")
@db_option
def diary_lab(
    subject: str,
    day: str,
    ferritin: float | None,
    haemoglobin: float | None,
    egfr: float | None,
    note: str | None,
    db_path: Path | None,
) -> None:
    """Record lab results of a date (ferritin, haemoglobin, eGFR)."""
    from rls_monitor.diary.model import LAB_RESULTS, lab_result, parse_date
    from rls_monitor.diary.records import add_lab

    given = dict(zip(LAB_RESULTS, (ferritin, haemoglobin, egfr), strict=True))
    labels = dict(zip(LAB_RESULTS, ("--ferritin", "--haemoglobin", "--egfr"), strict=True))
    lab = lab_result(subject, parse_date(day, "--date"), given, note or "", labels=labels)
    with open_store(db_path) as store:
        add_lab(store, lab)
    click.echo(f"Lab results of {lab.subject} on {lab.lab_date} saved.")


@diary_group.command("pregnancy")
@_subject_option
@_date_option
@click.option("--week", type=click.INT, required=True, help="Completed weeks of pregnancy.")
@db_option
def diary_pregnancy(subject: str, day: str, week: int, db_path: Path | None) -> None:
    """Record the week of pregnancy on a date."""
    from rls_monitor.diary.model import PregnancyEntry, parse_date
    from rls_monitor.diary.records import add_pregnancy

    entry = PregnancyEntry(subject, parse_date(day, "--date"), week)
    with open_store(db_path) as store:
        add_pregnancy(store, entry)
    click.echo(f"Pregnancy week {entry.week} on {entry.entry_date} saved.")


@diary_group.group("treatment")
def treatment_group() -> None:
    """Treatments with start and stop dates (iron infusion, vein procedure...)."""


@treatment_group.command("start")
@click.argument("name")
@_subject_option
@_date_option
@click.option("--note", default="", help="Free note (optional).")
@click.option("--json", "as_json", is_flag=True, help='Print the treatment as JSON ({"id": ...}).')
@db_option
def treatment_start(
    subject: str, name: str, day: str, note: str, as_json: bool, db_path: Path | None
) -> None:
    """Record that treatment NAME started on --date; says its number (for `treatment stop`)."""
    from rls_monitor.diary.model import Treatment, parse_date
    from rls_monitor.diary.records import add_treatment

    treatment = Treatment(0, subject, name, parse_date(day, "--date"), None, note)
    with open_store(db_path) as store:
        t = add_treatment(store, treatment)
    if as_json:
        echo_json(t.to_dict(), ensure_ascii=False)
        return
    click.echo(
        f"Treatment #{t.id} {t.name} of {t.subject} started on {t.start_date} "
        f"(stop it with: rls-monitor diary treatment stop {t.id} --date YYYY-MM-DD)"
    )


@treatment_group.command("stop")
@click.argument("treatment_id", type=int)
@_date_option
@db_option
def treatment_stop(treatment_id: int, day: str, db_path: Path | None) -> None:
    """Record that treatment TREATMENT_ID stopped on --date."""
    from rls_monitor.diary.records import stop_treatment

    with open_store(db_path, create=False) as store:
        t = stop_treatment(store, treatment_id, day)
    click.echo(f"Treatment #{t.id} {t.name} stopped: {t.start_date} to {t.stop_date}.")


@click.command("insights")
@click.option("--subject", default=None, help="The subject (needed when there are several).")
@click.option("--from", "start", default=None, help="First night (date of the evening).")
@click.option("--to", "end", default=None, help="Last night (date of the evening).")
@rules_filter_option("Only nights scored with this rule set.")
@click.option("--seed", default=0, show_default=True, help="Seed of the bootstrap.")
@click.option("--json", "as_json", is_flag=True, help="Print the insights as JSON.")
@db_option
def insights_command(
    subject: str | None,
    start: str | None,
    end: str | None,
    rules: str | None,
    seed: int,
    as_json: bool,
    db_path: Path | None,
) -> None:
    """Which diary factors go with a higher or lower PLM index over the nights.

    Associations over this patient's nights, not causes: a monitoring aid, not a diagnosis.
    """
    from rls_monitor.diary.insights import InsightsConfig, analyse
    from rls_monitor.diary.table import night_table

    with open_store(db_path, create=False) as store:
        table = night_table(store, subject, start=start, end=end, rules=rules)
    result = analyse(table, InsightsConfig(seed=seed))
    if as_json:
        echo_json(result.to_dict(), ensure_ascii=False)
    else:
        click.echo(result.format())
