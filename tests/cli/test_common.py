"""The options the command modules share."""

from __future__ import annotations


def test_cli_rule_choices_are_the_rule_sets() -> None:
    from rls_monitor.cli.common import RULE_CHOICES
    from rls_monitor.detection.series import RULE_SETS

    assert RULE_CHOICES == tuple(RULE_SETS)
