"""Only the edge sees Flask: the call's logic is plain code over plain values (STYLE.md rule 1)."""
import ast
from pathlib import Path

import pytest

IVR = Path(__file__).parents[2] / "ivr"
# The webhook's domain function, the call's state machine, its TwiML and the facts it is given.
PURE = ("calls.py", "flow.py", "twiml.py", "facts.py")


def imported(path):
    """(module, name) of every import in `path`, those inside functions too."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield from ((node.module or "", alias.name) for alias in node.names)


def names_used(path):
    nodes = list(ast.walk(ast.parse(path.read_text(), str(path))))
    return {node.id for node in nodes if isinstance(node, ast.Name)} \
        | {node.attr for node in nodes if isinstance(node, ast.Attribute)}


@pytest.mark.parametrize("module", PURE)
def test_the_call_logic_imports_nothing_of_flask(module):
    path = IVR / module
    flask_imports = [(m, n) for m, n in imported(path)
                     if m.split(".")[0] in ("flask", "werkzeug") or n == "current_app"]
    assert not flask_imports, f"ivr/{module} imports {flask_imports}"
    assert "current_app" not in names_used(path), f"ivr/{module} reaches for current_app"


@pytest.mark.parametrize("module", PURE)
def test_the_call_logic_imports_no_blueprint_module(module):
    """URL builders and domain functions have homes of their own; a views module is an edge."""
    views = [m for m, _ in imported(IVR / module) if m.split(".")[-1] == "views"]
    assert not views, f"ivr/{module} imports {views}"
