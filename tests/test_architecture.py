"""The layering docs/architecture.md describes, checked on the source: data flows one way,
only the web and CLI read the settings, and no code reaches into another object's private
parts (a repository calls the Database's public API, never a private Store method)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "paperfeed"
PURE = (
    "models",
    "errors",
    "periods",
    "clock",
    "arxiv_id",
    "text",
    "tex",
    "authors",
    "secret",
    "arxiv_calendar",
    "categories",
    "citation",
    "references",
)
# What each part of paperfeed must not import (by module prefix, without `paperfeed.`).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    **{
        name: ("store", "ingest", "search", "feed", "digest", "mail", "jobs", "web", "cli")
        for name in PURE
    },
    "store": (
        "ingest",
        "search",
        "feed",
        "digest",
        "mail",
        "jobs",
        "web",
        "cli",
        "serialize",
        "demo",
    ),
    "ingest": ("search", "feed", "digest", "mail", "jobs", "web", "cli", "serialize", "demo"),
    "search": ("ingest", "feed", "digest", "mail", "jobs", "web", "cli", "serialize", "demo"),
    # Recommendations stand on search's text analysis, embedders and metrics, never on the store:
    # the ranker takes feature rows and signals and returns values.
    "recommend": (
        "store",
        "ingest",
        "feed",
        "digest",
        "mail",
        "jobs",
        "web",
        "cli",
        "serialize",
        "demo",
    ),
    "mail": (
        "store",
        "ingest",
        "search",
        "feed",
        "digest",
        "jobs",
        "web",
        "cli",
        "serialize",
        "demo",
    ),
    "feed": ("digest", "mail", "jobs", "web", "cli", "demo"),
    "digest": ("ingest", "feed", "jobs", "web", "cli", "demo"),
    "serialize": ("store", "ingest", "search", "feed", "digest", "mail", "jobs", "web", "cli"),
    "demo": ("jobs", "web", "cli"),
    # Thumbnails read the store and listings, fetch through ingest's polite client; the jobs
    # and the web use them.
    "thumbnails": ("search", "digest", "mail", "jobs", "web", "cli", "serialize", "demo"),
    # Jobs drive ingest, search and digests on a schedule; the web and CLI start them.
    "jobs": ("web", "cli", "serialize", "demo"),
    "web": ("cli",),
}
# Evaluation builds a throwaway store from a corpus file and searches it: it stands on both.
ALLOWED = {"search.evaluation": ("ingest",), "recommend.evaluation": ("ingest",)}
READ_SETTINGS = ("web", "cli", "settings")


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        yield name.removesuffix(".__init__"), ast.parse(path.read_text(), str(path))


def _imports(tree: ast.Module) -> set[str]:
    """The paperfeed modules a module imports, without the `paperfeed.` prefix."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("paperfeed."):
                base = node.module.removeprefix("paperfeed.")
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(
                a.name.removeprefix("paperfeed.")
                for a in node.names
                if a.name.startswith("paperfeed.")
            )
    return found


def _under(module: str, part: str) -> bool:
    return module == part or module.startswith(part + ".")


MODULES = dict(_modules())


def test_the_package_is_read() -> None:
    assert {"store.store", "store.database", "cli", "web.app", "periods"} <= MODULES.keys()


def test_data_flows_one_way() -> None:
    wrong = {}
    for module, tree in MODULES.items():
        top = module.split(".")[0]
        forbidden = [f for f in FORBIDDEN.get(top, ()) if f not in ALLOWED.get(module, ())]
        found = sorted(i for i in _imports(tree) if any(_under(i, f) for f in forbidden))
        if found:
            wrong[module] = found
    assert wrong == {}


def test_only_the_web_and_the_cli_read_the_settings() -> None:
    readers = {
        module
        for module, tree in MODULES.items()
        if "settings" in {i.split(".")[0] for i in _imports(tree)}
    }
    assert readers and all(r.split(".")[0] in READ_SETTINGS for r in readers), readers


def test_no_code_reaches_into_another_objects_private_parts() -> None:
    """`self._x` and `cls._x` are a class's own (and `other._x` in a comparison with one of its
    kind); `store._x` is someone else's. Dunders, `os._exit` and the `_replace`/`_mapping`
    APIs of named tuples and rows are public."""
    offending = []
    for module, tree in MODULES.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
                continue
            if node.attr.startswith("__") or node.attr in ("_replace", "_mapping", "_asdict"):
                continue
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls", "other"):
                continue
            if isinstance(owner, ast.Name) and owner.id == "os" and node.attr == "_exit":
                continue
            offending.append(f"paperfeed.{module} line {node.lineno}: .{node.attr}")
    assert offending == []


def test_every_write_route_with_the_store_runs_in_a_unit_of_work() -> None:
    """A POST, PUT, PATCH or DELETE route that is given the store writes through
    `unit_of_work` (or `admit`, before slow work that opens its own transaction; `submit_for`
    is `admit` and then the submission)."""
    loose = []
    for module, tree in MODULES.items():
        if not module.startswith("web.routes."):
            continue
        for fn in tree.body:
            if not isinstance(fn, ast.FunctionDef):
                continue
            writes = any(
                isinstance(d, ast.Call)
                and isinstance(d.func, ast.Attribute)
                and d.func.attr in ("post", "put", "patch", "delete")
                for d in fn.decorator_list
            )
            params = {ast.unparse(a.annotation) for a in fn.args.args if a.annotation}
            calls = {
                n.func.id
                for n in ast.walk(fn)
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            }
            transactional = {"unit_of_work", "admit", "submit_for"}
            if writes and "StoreDep" in params and not calls & transactional:
                loose.append(f"{module}.{fn.name}")
    assert loose == []
