"""No circles between the project's top-level packages, counting imports inside functions."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not parts of the application: its tests, its scripts, its schema history, its environment.
SKIPPED = {"tests", "bench", ".venv", "venv", "node_modules"}


def top_level_parts():
    """The importable top-level names of the project: packages and lone modules."""
    parts = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    parts |= {p.stem for p in ROOT.glob("*.py")}
    return parts - SKIPPED


def imported_names(tree):
    """Every module named by an import anywhere in `tree`, functions' bodies included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def import_graph():
    """Top-level part → the other parts it imports, over every .py file of the project."""
    parts = top_level_parts()
    graph = {part: set() for part in parts}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        owner = relative.parts[0].removesuffix(".py")
        if owner not in parts or any(piece in SKIPPED for piece in relative.parts):
            continue
        for name in imported_names(ast.parse(path.read_text(encoding="utf-8"))):
            target = name.split(".")[0]
            if target in parts and target != owner:
                graph[owner].add(target)
    return graph


def find_cycle(graph):
    """One cycle of `graph` as a list of nodes, first node repeated at the end; None if none."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, path)
                if found:
                    return found
        state[node] = "done"
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [])
            if found:
                return found
    return None


def test_the_cycle_finder_names_a_circle_and_passes_a_tree():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_imports_hidden_inside_functions():
    tree = ast.parse("def f():\n    from app import create_app\n    import db.models\n")
    assert set(imported_names(tree)) == {"app", "db.models"}


def test_no_top_level_package_imports_itself_back_through_others():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle between packages: " + " → ".join(cycle or [])


def test_the_domain_imports_without_flask_or_the_database():
    # A fresh interpreter: this one has Flask and SQLAlchemy loaded by other tests.
    names = sorted(f"domain.{path.stem}" for path in (ROOT / "domain").glob("*.py"))
    probe = ("import sys; " + "; ".join(f"import {name}" for name in names)
             + "; print(sorted(m for m in ('flask', 'sqlalchemy', 'db') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_pure_middle_imports_neither_flask_nor_the_database():
    impure = {"flask", "werkzeug", "sqlalchemy", "db"}
    for module in ("ivr/flow.py", "scheduler/retries.py", "contacts/creditors.py"):
        tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
        found = {name.split(".")[0] for name in imported_names(tree)} & impure
        assert not found, f"{module} imports {sorted(found)}"
