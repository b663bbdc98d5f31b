"""The import rules of docs/architecture.md, checked on the source."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _files(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def _top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("firmware_host", {"rls_monitor", "calibration"}),
        ("calibration", {"rls_monitor", "firmware_host"}),
    ],
)
def test_packages_do_not_import_upwards(package: str, forbidden: set[str]) -> None:
    bad = {
        f"{path.relative_to(REPO)}: {name}"
        for path in _files(package)
        for name in _imports(path)
        if _top(name) in forbidden
    }
    assert not bad


def test_detection_is_pure() -> None:
    forbidden_prefixes = (
        "rls_monitor.storage",
        "rls_monitor.link.transports",
        "rls_monitor.cli",
        "rls_monitor.session",
        "sqlite_utils",
        "sqlite3",
        "bleak",
        "serial",
        "click",
        "rich",
    )
    bad = {
        f"{path.relative_to(REPO)}: {name}"
        for path in _files("rls_monitor/detection")
        for name in _imports(path)
        if name.startswith(forbidden_prefixes)
    }
    assert not bad
    for path in _files("rls_monitor/detection"):
        calls = {
            node.func.id
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        }
        assert not calls & {"open", "print", "input"}, path


@pytest.mark.parametrize(
    ("library", "allowed"),
    [
        ("sqlite_utils", ("rls_monitor/storage/",)),
        ("bleak", ("rls_monitor/link/transports/ble.py",)),
        ("bleak_retry_connector", ("rls_monitor/link/transports/ble.py",)),
        ("serial", ("rls_monitor/link/transports/serial_port.py",)),
    ],
)
def test_one_module_owns_each_library(library: str, allowed: tuple[str, ...]) -> None:
    users = {
        str(path.relative_to(REPO))
        for path in _files("rls_monitor")
        if any(_top(name) == library for name in _imports(path))
    }
    assert all(u.startswith(allowed) for u in users), users


def test_libraries_do_not_print_or_configure_logging() -> None:
    offenders = []
    for package in ("rls_monitor", "firmware_host", "calibration"):
        for path in _files(package):
            rel = str(path.relative_to(REPO))
            if (
                rel.startswith(("rls_monitor/cli/", "rls_monitor/demo.py"))
                or path.name == "__main__.py"
            ):
                continue
            text = path.read_text(encoding="utf-8")
            tree = ast.parse(text)
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    func = node.func
                    if isinstance(func, ast.Name) and func.id == "print":
                        offenders.append(f"{rel}: print")
                    if isinstance(func, ast.Attribute) and func.attr == "basicConfig":
                        offenders.append(f"{rel}: logging.basicConfig")
    assert not offenders


def test_import_pulls_in_no_radio_or_database_stack() -> None:
    code = (
        "import sys, rls_monitor, rls_monitor.cli;"
        "heavy = {'bleak', 'serial', 'sqlite_utils', 'matplotlib', 'bumble', 'scipy'} & set(sys.modules);"
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
