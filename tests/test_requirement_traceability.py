"""Every requirement ID of REQUIREMENTS.md has at least one test named after it.

A test is named after requirement X9 when its function name starts with
`test_x9_`. The IDs are listed here (the requirements document lives outside
the repository) so that adding a requirement means adding it here too.
"""
from __future__ import annotations

import ast
import pathlib
import re

REQUIREMENT_IDS = (
    [f"G{n}" for n in range(1, 7)]
    + [f"A{n}" for n in range(1, 6)]
    + [f"J{n}" for n in range(1, 9)]
    + [f"M{n}" for n in range(1, 5)]
    + ["S1", "S2"]
    + [f"R{n}" for n in range(1, 5)]
    + ["C1", "C2", "C3"]
    + ["O1", "O2"]
)

TESTS = pathlib.Path(__file__).parent


def _test_names() -> set[str]:
    names = set()
    for path in TESTS.rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
                names.add(node.name)
    return names


def test_every_requirement_id_has_a_test_named_after_it():
    names = _test_names()
    missing = [
        requirement for requirement in REQUIREMENT_IDS
        if not any(re.match(rf"test_{requirement.lower()}_", name) for name in names)
    ]
    assert not missing, f"requirements without a test named after them: {', '.join(missing)}"
