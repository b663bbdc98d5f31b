"""The report's diary section: the night table, its insights and their table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo
from typing import TYPE_CHECKING

from rls_monitor.diary.insights import (
    ASSOCIATION_CAVEAT,
    Insights,
    InsightsConfig,
    analyse,
    insights_table,
)
from rls_monitor.diary.stats import NightTable
from rls_monitor.diary.table import night_table

if TYPE_CHECKING:
    from rls_monitor.storage.store import Store


@dataclass(frozen=True)
class DiarySection:
    """What the report's diary section shows.

    Attributes
    ----------
    table : NightTable
        The nights with their diary factors.
    insights : Insights
    rows : list of dict of str to str
        :func:`rls_monitor.diary.insights.insights_table` of the insights.
    caveat : str
        :data:`rls_monitor.diary.insights.ASSOCIATION_CAVEAT`, to print under the table.
    notes : tuple of str
        The insights' general notes (too few nights, ferritin below the iron threshold).
    """

    table: NightTable
    insights: Insights
    rows: list[dict[str, str]]
    caveat: str
    notes: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """True when no night has a diary entry and there are no treatments or labs."""
        return (
            self.insights.n_with_diary == 0
            and not self.table.treatments
            and not self.table.ferritin
        )


def diary_section(
    store: Store,
    subject: str | None = None,
    *,
    start: date | str | None = None,
    end: date | str | None = None,
    tz: tzinfo | None = None,
    rules: str | None = None,
    config: InsightsConfig | None = None,
) -> DiarySection:
    """The report's diary section: night table, insights, table rows and caveat in one call.

    Parameters are those of :func:`night_table`, plus ``config`` for
    :func:`rls_monitor.diary.insights.analyse`. Draw the figure with
    ``diary_timeline_figure(section.table, section.insights, fig=fig)``.
    """

    table = night_table(store, subject, start=start, end=end, tz=tz, rules=rules)
    result = analyse(table, config)
    return DiarySection(table, result, insights_table(result), ASSOCIATION_CAVEAT, result.notes)


# --- exports and report ---------------------------------------------------------------------
