"""Every ES module of the web client parses (Node's --check), so a typo fails fast, before any browser starts."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "gateway/static"
MODULES = sorted(STATIC.rglob("*.js"))


@pytest.mark.parametrize("module", MODULES, ids=[str(path.relative_to(STATIC)) for path in MODULES])
def test_module_parses(module, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs Node.js")
    copy = tmp_path / (module.stem + ".mjs")  # checked as an ES module
    copy.write_text(module.read_text(encoding="utf-8"), encoding="utf-8")
    result = subprocess.run([node, "--check", str(copy)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
