"""Imports read at the top: no module of the pipeline imports inside a function or after its first statement.

A deferred import hides a dependency from the reader and from the layer contract's author (import-linter
sees it, a reader of the module's head does not), and usually papers over an import cycle. The layer
contract itself (pyproject.toml, `lint-imports`) runs in `make lint`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "budgetml"
# The top layer imports each command's library function inside the command: importing every stage
# (scikit-learn, polars) for `budgetml review --list` would cost about 1.5 s per command.
TOP_LAYER = {"cli.py"}
# Known, owned elsewhere: the parse worker imports ctypes inside its Linux-only prctl call (isolation is
# helper reliab's module in issue 10; moving the import is a one-line change there).
KNOWN = {"isolation.py": {"ctypes"}}


def pipeline_modules() -> list[Path]:
    return sorted(
        p
        for p in PACKAGE.rglob("*.py")
        # budgetml/synth/ (the sample-corpus generator) is not part of the pipeline
        if p.name not in TOP_LAYER and "synth" not in p.relative_to(PACKAGE).parts
    )


def late_imports(path: Path) -> list[str]:
    """Imports inside a function or class, or at module level after the first non-import statement."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    seen_code = False
    for node in tree.body:
        is_docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if isinstance(node, ast.Import | ast.ImportFrom):
            if seen_code:
                found.append(f"line {node.lineno}: mid-file import")
        elif not is_docstring:
            seen_code = True
        for inner in ast.walk(node):
            if inner is not node and isinstance(inner, ast.Import | ast.ImportFrom):
                names = {(getattr(inner, "module", None) or "").split(".")[0]} | {
                    a.name.split(".")[0] for a in inner.names
                }
                if not names & KNOWN.get(path.name, set()):
                    found.append(f"line {inner.lineno}: import inside a block")
    return found


@pytest.mark.parametrize("path", pipeline_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_are_at_the_top(path):
    assert late_imports(path) == []


def test_the_check_finds_a_deferred_import(tmp_path):
    module = tmp_path / "stage.py"
    module.write_text('"""A stage."""\n\nimport math\n\nX = 1\nimport os\n\n\ndef f():\n    import json\n')
    assert late_imports(module) == ["line 6: mid-file import", "line 10: import inside a block"]


def glob_reads(path: Path) -> list[str]:
    """polars reads (read_parquet, scan_parquet) without glob=False: a folder named `out[1]` would be a pattern."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"line {node.lineno}: {node.func.attr} without glob=False"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("read_parquet", "scan_parquet")
        and not any(
            k.arg == "glob" and isinstance(k.value, ast.Constant) and k.value.value is False for k in node.keywords
        )
    ]


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_datasets_are_read_as_paths_never_as_glob_patterns(path):
    assert glob_reads(path) == []


def test_the_check_finds_a_glob_read(tmp_path):
    module = tmp_path / "stage.py"
    module.write_text('import polars as pl\n\npl.read_parquet("a", glob=False)\npl.scan_parquet("b")\n')
    assert glob_reads(module) == ["line 4: scan_parquet without glob=False"]
