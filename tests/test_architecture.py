"""Dependencies point down: adapters → bot → policy, storage. Walks every import with ast,
relative ones resolved, imports under ``if TYPE_CHECKING:`` left out (they never run).

- adapters see only the front door (``bot.core``) and the model (``bot.model.*``), their own
  package and third-party libraries: never storage, policy, another adapter, ``bot.flows``,
  ``bot.delivery`` or ``bot.app``; nor do they read ``.ctx``, ``.runtime`` or ``.db``;
- ``bot/`` never imports sqlalchemy or sqlmodel (every SQL statement is in ``storage/``);
- only ``bot/app`` (composition roots) and ``bot/hr`` import a platform SDK or aiohttp, and
  only ``bot/app`` wires adapters in;
- the Bot Framework SDK (botbuilder) is imported nowhere but ``adapters/teams``;
- no import cycles between our modules;
- no module imports another's private (``_name``) names;
- a module says what it holds and stays under :data:`MAX_LINES` lines (split by responsibility).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = ("bot", "policy", "storage", "adapters")
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "microsoft_agents", "botbuilder", "botframework", "aiohttp")
RETIRED = ("botbuilder", "botframework", "msrest")  # botbuilder-python and its libraries
TEAMS_SDK = "microsoft_agents"  # the Microsoft 365 Agents SDK
SQL = ("sqlalchemy", "sqlmodel")
MAY_USE_PLATFORM_SDKS = ("bot/app/", "bot/hr/")
COMPOSITION_ROOTS = ("bot/app/",)
ADAPTERS_MAY_IMPORT = ("bot.core", "bot.model")
HIDDEN = {"ctx", "runtime", "db"}
MAX_LINES = 300


def files(package: str, root: Path = ROOT) -> list[Path]:
    return sorted((root / package).rglob("*.py"))


def module_of(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def known_modules(root: Path = ROOT) -> set[str]:
    return {module_of(path, root) for package in OURS for path in files(package, root)}


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node except those under ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.If) and _type_checking(child):
            for other in child.orelse:
                yield other
                yield from _runtime_nodes(other)
            continue
        yield child
        yield from _runtime_nodes(child)


def _base(path: Path, node: ast.ImportFrom, root: Path) -> str:
    if not node.level:
        return node.module or ""
    package = module_of(path, root).split(".")
    if path.name != "__init__.py":
        package.pop()
    if node.level > 1:
        package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def imports(path: Path, root: Path = ROOT, modules: set[str] | None = None) -> set[str]:
    """Absolute names of what ``path`` imports; ``from package import module`` names the module."""
    modules = known_modules(root) if modules is None else modules
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = _base(path, node, root)
            submodules = {f"{base}.{alias.name}" for alias in node.names} & modules
            found |= submodules
            if len(submodules) < len(node.names):
                found.add(base)
    return found


def top(name: str) -> str:
    return name.split(".")[0]


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def adapter_problem(rel: str, module: str) -> str | None:
    """Why an adapter may not import ``module``, or None."""
    own = ".".join(Path(rel).parts[:2])
    if top(module) not in OURS or within(module, own):
        return None
    if any(within(module, allowed) for allowed in ADAPTERS_MAY_IMPORT):
        return None
    if top(module) == "storage":
        return "adapters never see a database"
    if top(module) == "adapters":
        return "adapters never import each other"
    if within(module, "bot.flows") or within(module, "bot.delivery") or within(module, "bot.app"):
        return "adapters call the front door (bot.core.Haven), never the flows, delivery or the runtime"
    return "adapters import only bot.core and bot.model.*"


def cycle_in(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = known_modules(root)
    graph: dict[str, set[str]] = {}
    for package in OURS:
        for path in files(package, root):
            name = module_of(path, root)
            graph[name] = {m for m in imports(path, root, modules) if m in modules and m != name}
    return graph


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def private_imports(path: Path, root: Path = ROOT) -> list[str]:
    """``module._name`` for each private name ``path`` imports from another of our modules."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = _base(path, node, root)
            if top(base) in OURS and base != module_of(path, root):
                found += [f"{base}.{a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")]
    return found


def our_modules() -> list[Path]:
    return [path for package in OURS for path in files(package) if "migrations" not in path.parts]


# -- the rules ---------------------------------------------------------------------------

@pytest.mark.parametrize("package", OURS)
def test_package_has_modules(package: str) -> None:
    assert files(package), f"{package}/ has no modules"


def test_policy_imports_nothing_of_ours() -> None:
    for path in files("policy"):
        ours = {top(m) for m in imports(path)} & {"bot", "storage", "adapters"}
        assert not ours, f"{rel(path)} imports {ours}"


def test_storage_imports_only_policy_values() -> None:
    for path in files("storage"):
        ours = {top(m) for m in imports(path)} & {"bot", "adapters"}
        assert not ours, f"{rel(path)} imports {ours}"


def test_bot_never_imports_sqlalchemy_or_sqlmodel() -> None:
    bad = {rel(path): sorted(m for m in imports(path) if top(m) in SQL) for path in files("bot")}
    assert not {k: v for k, v in bad.items() if v}, "SQL belongs in storage/"


def test_only_the_composition_roots_and_hr_import_a_platform_sdk_or_an_adapter() -> None:
    for path in files("bot"):
        name = rel(path)
        found = imports(path)
        if not name.startswith(MAY_USE_PLATFORM_SDKS):
            bad = {m for m in found if top(m) in PLATFORM_SDKS}
            assert not bad, f"{name} imports {bad}"
        if not name.startswith(COMPOSITION_ROOTS):
            assert not {m for m in found if top(m) == "adapters"}, f"{name} imports an adapter"


def test_adapters_import_only_the_front_door_and_the_model() -> None:
    problems = [f"{rel(path)} imports {module}: {problem}"
                for path in files("adapters") for module in sorted(imports(path))
                if (problem := adapter_problem(rel(path), module))]
    assert not problems, "\n".join(problems)


def reaches_behind_the_front_door(path: Path) -> set[str]:
    """Attributes an adapter must not read: ``haven.ctx`` (the context), ``.runtime``, ``.db``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr in HIDDEN}


def test_adapters_never_reach_the_context_the_runtime_or_the_database() -> None:
    bad = {rel(path): found for path in files("adapters") if (found := reaches_behind_the_front_door(path))}
    assert not bad, f"adapters use Haven's methods and Haven.links only: {bad}"


def test_no_retired_bot_framework_sdk_anywhere_and_the_agents_sdk_only_for_teams() -> None:
    everywhere = [path for folder in (*OURS, "tests", "bench") for path in files(folder)]
    retired = [rel(path) for path in everywhere if any(top(m) in RETIRED for m in imports(path))]
    assert not retired, f"botbuilder-python is unsupported since 2025-12-31: {retired}"
    bad = [rel(path) for path in everywhere if not rel(path).startswith(("adapters/teams/", "tests/teams/"))
           and any(top(m) == TEAMS_SDK for m in imports(path))]
    assert not bad, f"the Agents SDK outside adapters/teams: {bad}"


def test_no_import_cycles() -> None:
    cycle = cycle_in(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or ())


def test_block_kit_and_adaptive_cards_stay_in_their_adapters() -> None:
    for package in ("bot", "policy", "storage", "adapters/console"):
        for path in files(package):
            text = path.read_text(encoding="utf-8")
            assert '"type": "section"' not in text and "AdaptiveCard" not in text, path


# -- the checker catches what it should --------------------------------------------------

def _tree(tmp_path: Path, sources: dict[str, str]) -> Path:
    for name, text in sources.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_the_checker_resolves_relative_imports_and_skips_type_checking(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "adapters/__init__.py": "",
        "adapters/slack/__init__.py": "from . import render\n",
        "adapters/slack/render.py": "",
        "adapters/slack/app.py": ("from slack_bolt.async_app import AsyncApp\nfrom ...storage import db\n"
                                  "from .render import x\nfrom ..teams.bot import Bot\n"
                                  "from typing import TYPE_CHECKING\n"
                                  "if TYPE_CHECKING:\n    from bot.app.runtime import Runtime\n"),
        "adapters/teams/__init__.py": "",
        "adapters/teams/bot.py": "",
        "storage/__init__.py": "",
        "storage/db.py": "",
    })
    found = imports(root / "adapters/slack/app.py", root)
    assert found == {"slack_bolt.async_app", "storage.db", "adapters.slack.render", "adapters.teams.bot", "typing"}
    assert imports(root / "adapters/slack/__init__.py", root) == {"adapters.slack.render"}


def test_the_checker_names_each_adapter_violation() -> None:
    app = "adapters/slack/app.py"
    assert adapter_problem(app, "storage.db") == "adapters never see a database"
    assert adapter_problem(app, "adapters.teams.bot") == "adapters never import each other"
    assert "front door" in (adapter_problem(app, "bot.app.runtime") or "")
    assert "front door" in (adapter_problem(app, "bot.flows.links") or "")
    assert adapter_problem(app, "policy.loader") == "adapters import only bot.core and bot.model.*"
    assert adapter_problem(app, "bot.corex") is not None
    for fine in ("bot.core", "bot.model.messages", "adapters.slack.render", "slack_bolt", "aiohttp.web"):
        assert adapter_problem(app, fine) is None


def test_the_checker_sees_an_adapter_reaching_for_the_database(tmp_path: Path) -> None:
    sample = tmp_path / "listeners.py"
    sample.write_text("async def f(haven):\n    async with haven.ctx.db.session():\n        pass\n", encoding="utf-8")
    assert reaches_behind_the_front_door(sample) == {"ctx", "db"}


def test_the_checker_reports_a_cycle_with_its_path() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycle_in(graph) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_module_imports_another_modules_private_names() -> None:
    found = {rel(path): names for path in [*our_modules(), *files("tests"), *files("bench")]
             if (names := private_imports(path))}
    assert found == {}, "make the name public (and say what it is) or keep it where it lives"


def test_every_module_stays_under_the_split_size_and_says_what_it_holds() -> None:
    long = {rel(p): n for p in our_modules() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"split by responsibility before {MAX_LINES} lines"
    silent = [rel(p) for p in our_modules() if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text(
        encoding="utf-8"))) is None]
    assert silent == [], "a module's docstring says what it holds"


def test_the_checker_sees_a_private_import(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "one.py").write_text("from bot.two import _hidden\nfrom bot.two import shown\n")
    (tmp_path / "bot" / "two.py").write_text("_hidden = 1\nshown = 2\n")
    assert private_imports(tmp_path / "bot" / "one.py", tmp_path) == ["bot.two._hidden"]
