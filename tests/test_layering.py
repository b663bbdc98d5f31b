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
        "rls_monitor.nights",
        "rls_monitor.link",
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


# --- The structure of the house: modules, the arrows between them, and what crosses them ----------

PACKAGES = ("rls_monitor", "firmware_host", "calibration")
MAX_MODULE_LINES = 900


def _module_names() -> dict[str, Path]:
    """Every module of the three packages by dotted name (a package by its own name)."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in _files(package):
            dotted = ".".join(path.relative_to(REPO).with_suffix("").parts)
            modules[dotted.removesuffix(".__init__")] = path
    return modules


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes under ``if TYPE_CHECKING:`` (annotations only, no arrow at run time)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    """The module a dotted import name lands in (``a.b.C`` -> ``a.b``), or None outside ours."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _arrows() -> tuple[dict[str, set[str]], list[str]]:
    """Import arrows between our modules, function-level imports included, and private names.

    Returns the graph (module -> modules it imports) and the list of ``importer <- module._name``
    imports of a private name from another module.
    """
    modules = _module_names()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    private: list[str] = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skipped = _type_checking_nodes(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                for alias in node.names:
                    target = _owner(alias.name, modules)
                    if target and target != name:
                        graph[name].add(target)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*parts, *([node.module] if node.module else [])])
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    target = full if full in modules else _owner(base, modules)
                    if not target or target == name:
                        continue
                    graph[name].add(target)
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        private.append(f"{name} <- {target}.{alias.name}")
    return graph, private


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _is_reexport(component: list[str]) -> bool:
    """A package's ``__init__`` importing its own submodules back is a re-export, not a loop."""
    head = component[0]
    return all(m == head or m.startswith(head + ".") for m in component)


def test_no_import_cycle_between_modules() -> None:
    graph, _ = _arrows()
    cycles = [" <-> ".join(c) for c in _cycles(graph) if not _is_reexport(c)]
    assert not cycles


def test_cycle_finder_tells_a_loop_from_a_reexport() -> None:
    # The finder itself: a loop through one module is found, a re-export is not one.
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
    assert _is_reexport(["p", "p.x", "p.y"])
    assert not _is_reexport(["p.x", "q"])


def test_no_private_name_imported_from_another_module() -> None:
    _, private = _arrows()
    assert not private


def test_no_module_over_the_size_limit() -> None:
    big = {
        str(path.relative_to(REPO)): n
        for path in _module_names().values()
        if (n := path.read_text(encoding="utf-8").count("\n")) > MAX_MODULE_LINES
    }
    assert not big


# --- Rooms: the arrows docs/architecture.md draws are the arrows the code has ----------------------

ARCHITECTURE = REPO / "docs" / "architecture.md"


def _room(module: str) -> str:
    """The room of a module: firmware_host and calibration whole, rls_monitor by its first level."""
    parts = module.split(".")
    if parts[0] != "rls_monitor":
        return parts[0]
    return parts[1] if len(parts) > 1 else "rls_monitor"


def _room_arrows() -> dict[str, set[str]]:
    graph, _ = _arrows()
    rooms: dict[str, set[str]] = {}
    for module, targets in graph.items():
        here = _room(module)
        rooms.setdefault(here, set()).update(_room(t) for t in targets if _room(t) != here)
    return rooms


def _documented_arrows() -> dict[str, set[str]]:
    """The table under '## Rooms and what each may import': | `room` | ... | `a`, `b` |."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## Rooms and what each may import", 1)[1].split("\n## ", 1)[0]
    rooms: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        imports = cells[-1]
        rooms[cells[0].strip("`")] = {
            name.strip().strip("`") for name in imports.split(",") if name.strip() not in ("", "-")
        }
    return rooms


def test_architecture_draws_the_arrows_the_code_has() -> None:
    code = _room_arrows()
    drawn = _documented_arrows()
    assert set(drawn) == set(code), "rooms in docs/architecture.md differ from the code's"
    differences = {
        room: {
            "in code, not drawn": code[room] - drawn[room],
            "drawn, not in code": drawn[room] - code[room],
        }
        for room in code
        if code[room] != drawn[room]
    }
    assert not differences


def test_data_flows_one_way_between_rooms() -> None:
    loops = [" <-> ".join(c) for c in _cycles(_room_arrows())]
    assert not loops
