"""The docstring examples of every firmware_host module run (the package split them over submodules)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import firmware_host

MODULES = sorted(m.name for m in pkgutil.walk_packages(firmware_host.__path__, "firmware_host."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), verbose=False, report=False)
    assert result.failed == 0
