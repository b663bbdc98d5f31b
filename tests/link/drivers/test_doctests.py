"""The docstring examples of every driver module run (golden frames and settings among them)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

from rls_monitor.link import drivers

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(drivers.__path__, "rls_monitor.link.drivers.")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), verbose=False, report=False)
    assert result.failed == 0
