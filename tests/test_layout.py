"""The archive's layout: one room per concern, no import circles, one door per decision.

These read the source (ast and text), not the running app: a layout rule is
about what a file may import and call, whatever a test happens to execute.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = ROOT / "archive"

ROOMS = (
    "accounts",
    "collections",
    "consent",
    "imports",
    "interchange",
    "operations",
    "privacy",
    "research",
    "submissions",
    "testimonies",
    "themes",
    "transcripts",
)
# What stays at the archive's top level: the app, its policy and its plumbing.
TOP_LEVEL = {
    "__init__",
    "access",
    "apps",
    "audit",
    "errors",
    "language",
    "signals",
    "tasks",
    "wagtail_hooks",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def archive_modules() -> dict[str, Path]:
    """Every archive module but the migrations (they import models as they were)."""
    return {
        _module_name(path): path
        for path in sorted(ARCHIVE.rglob("*.py"))
        if "migrations" not in path.relative_to(ARCHIVE).parts
    }


def _imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """All imports, in functions too, except those only a type checker reads."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _imported_names(name: str, path: Path, tree: ast.Module) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: set[str] = set()
    for node in _imports(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            parent = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*parent, base] if base else parent)
        # Each name counts on its own: a submodule, a re-exported name, or the module itself.
        names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    """Which archive module imports which.

    A name a package re-exports (``from archive.models import Transcript``)
    counts as an import of the module that defines it: the package's
    __init__ only gathers names, it is not where the dependency points.
    """
    modules = archive_modules()
    trees = {name: ast.parse(path.read_text(), str(path)) for name, path in modules.items()}
    reexports: dict[str, str] = {}
    for name, path in modules.items():
        if path.name != "__init__.py":
            continue
        for node in trees[name].body:
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    if node.module in modules:
                        reexports[f"{name}.{alias.asname or alias.name}"] = node.module

    def resolve(target: str) -> str | None:
        if target in reexports:
            return reexports[target]
        while target and target not in modules:
            target = target.rpartition(".")[0]
        return target or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imported_names(name, path, trees[name]):
            module = resolve(imported)
            if module and module != name:
                targets.add(module)
        if path.name != "__init__.py":
            # A submodule's package may only gather it: that is no dependency of the submodule.
            targets.discard(name.rpartition(".")[0])
        graph[name] = targets
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return cycles


def _sources(*folders: str) -> list[Path]:
    return [path for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))]


def test_each_concern_is_a_room_and_the_top_level_keeps_only_the_app() -> None:
    for room in ROOMS:
        assert (ARCHIVE / room / "__init__.py").is_file(), f"archive/{room}/ is not a package"
    top = {path.stem for path in ARCHIVE.glob("*.py")}
    assert top == TOP_LEVEL, f"modules left beside the rooms: {sorted(top - TOP_LEVEL)}"


def test_the_graph_sees_a_circle_where_there_is_one() -> None:
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles_among_archive_modules() -> None:
    assert import_cycles(import_graph()) == []


def test_every_job_is_queued_through_job_enqueue() -> None:
    queued_directly = re.compile(r"process_transcript\.(delay|apply_async|s|si|signature)\(")
    entry_point = ARCHIVE / "transcripts" / "jobs.py"
    offenders = [
        str(path.relative_to(ROOT))
        for path in _sources("archive", "search", "config", "bench")
        if path != entry_point and queued_directly.search(path.read_text())
    ]
    assert offenders == []


def test_roles_are_decided_in_access_only() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in _sources("archive", "search", "config")
        if path != ARCHIVE / "access.py" and "role_of(" in path.read_text()
    ]
    assert offenders == []


def test_the_task_queue_app_imports_no_archive_module() -> None:
    path = ROOT / "config" / "celery.py"
    imported = _imported_names("config.celery", path, ast.parse(path.read_text()))
    assert sorted(name for name in imported if name.split(".")[0] == "archive") == []


def test_access_policy_does_not_import_the_page_models() -> None:
    assert (
        not {"archive.models.testimony", "archive.models.collections"}
        & import_graph()["archive.access"]
    )
