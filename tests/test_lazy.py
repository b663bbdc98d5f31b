"""lazy_names: a package's names imported from their modules once, on first use."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from rls_monitor.lazy import lazy_names


def test_a_name_is_imported_on_first_use_and_kept() -> None:
    namespace: dict[str, Any] = {"here": 1}
    get, names = lazy_names("pkg", {"dedent": "textwrap"}, namespace)
    assert "dedent" not in namespace and names() == ["dedent", "here"]
    dedent = get("dedent")
    assert dedent is sys.modules["textwrap"].dedent and namespace["dedent"] is dedent


def test_an_unknown_name_is_an_attribute_error_naming_the_package() -> None:
    get, _ = lazy_names("rls_monitor.diary", {}, {})
    with pytest.raises(AttributeError, match="module 'rls_monitor.diary' has no attribute 'x'"):
        get("x")
