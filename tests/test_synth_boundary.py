"""The sample generator (budgetml/synth/) stays outside the pipeline and has no import cycle of its own."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SYNTH = ROOT / "budgetml" / "synth"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (function bodies too), including `from pkg import module`."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def synth_imports(path: Path) -> set[str]:
    return {m for m in imported_modules(path) if m == "budgetml.synth" or m.startswith("budgetml.synth.")}


def test_the_detector_sees_the_cli_commands_that_use_the_generator() -> None:
    # The CLI's fixture / sample / evaluate commands are the generator's entry points (imported in the command).
    assert {"budgetml.synth.seed", "budgetml.synth.corpus", "budgetml.synth.evaluate"} <= synth_imports(
        ROOT / "budgetml" / "cli.py"
    )


def test_the_pipeline_never_imports_the_generator() -> None:
    pipeline = [p for p in (ROOT / "budgetml").rglob("*.py") if SYNTH not in p.parents and p.name != "cli.py"] + sorted(
        (ROOT / "flows").rglob("*.py")
    )
    assert len(pipeline) > 10
    offenders = {str(p.relative_to(ROOT)): sorted(synth_imports(p)) for p in pipeline}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_generator_has_no_import_cycle() -> None:
    modules = {module_name(p): p for p in SYNTH.glob("*.py")}
    graph = {name: synth_imports(path) & set(modules) - {name, "budgetml.synth"} for name, path in modules.items()}
    assert graph["budgetml.synth.corpus"] >= {"budgetml.synth.wuhan_template", "budgetml.synth.sample_render"}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, "import cycle: " + " → ".join([*path, name])
        if name in done:
            return
        for target in sorted(graph[name]):
            visit(target, (*path, name))
        done.add(name)

    for name in sorted(graph):
        visit(name, ())
