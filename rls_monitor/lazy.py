"""Names of a package loaded from their modules on first use (PEP 562), not when it is imported.

``import rls_monitor`` must stay light (the command line starts at once, and a Ctrl-C during
start-up meets its handler), and ``rls_monitor.diary`` must not pull in SciPy for an export
or a ``diary add``: both packages name their public objects here instead of importing them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(
    package: str, table: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` that import each name from its module once.

    Parameters
    ----------
    package : str
        The package's dotted name (for the error message).
    table : mapping of str to str
        Public name -> the dotted name of the module that defines it.
    namespace : dict
        The package's ``globals()``: a loaded name is kept there, so it is imported once.

    Returns
    -------
    getattr, dir : callable
        To assign to the package's module-level ``__getattr__`` and ``__dir__``.

    Examples
    --------
    >>> ns: dict = {}
    >>> get, names = lazy_names("demo", {"sqrt": "math"}, ns)
    >>> get("sqrt")(9.0), "sqrt" in ns, "sqrt" in names()
    (3.0, True, True)
    """

    def getattr_(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted(set(namespace) | set(table))

    return getattr_, dir_
