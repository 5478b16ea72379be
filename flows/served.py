"""What a run of the served deployment may touch: the configured output folder and input roots only.

`make serve` (flows/serve.py) records the configuration in the environment of the runner; the flow
(flows/nightly.py) checks every served run's parameters against it before doing anything.
"""

from __future__ import annotations

import os
from pathlib import Path

from budgetml.inputs import input_root
from budgetml.settings import PROJECT_DIR, load_settings, load_sources, source_patterns

# Set by serve_flow for the runner and the flow runs it starts: what a served run may touch.
SERVED_OUTPUT_ENV = "BUDGETML_SERVED_OUTPUT"
SERVED_ROOTS_ENV = "BUDGETML_SERVED_INPUT_ROOTS"


class ServedParametersRefused(ValueError):
    """A run of the served deployment named an output folder, input or setting it may not use."""


def served_input_roots(inputs: list[str] | None, allowed_roots: tuple[str, ...] = ()) -> list[Path]:
    """The folders a served run may read: those of configs/sources.toml (or the inputs `serve` was given) and the allowed roots."""
    patterns = list(inputs) if inputs else [str(PROJECT_DIR / p) for p in source_patterns(load_sources())]
    return [input_root(Path(p)).resolve() for p in patterns] + [Path(r).resolve() for r in allowed_roots]


def check_served_parameters(
    inputs: list[str] | None, output: str, settings_path: str | None, dask_address: str | None
) -> None:
    """Refuse a served run's parameters that lead outside what `serve` was configured with (no-op when not served).

    Anyone who reaches the API can start a run with parameters of their choosing: the output folder
    must be the configured one, every input must lie inside a configured input root, and the settings
    file and Dask address come from the configuration only.
    """
    served_output = os.environ.get(SERVED_OUTPUT_ENV)
    if not served_output:
        return
    problems = []
    if Path(output).resolve() != Path(served_output):
        problems.append(f"输出目录必须是 {served_output}")
    if settings_path:
        problems.append("不接受 settings_path（设置只来自 configs/nightly.toml）")
    if dask_address:
        problems.append("不接受 dask_address（请在 configs/nightly.toml 中配置）")
    configured = os.environ.get(SERVED_ROOTS_ENV)
    roots = (
        [Path(r) for r in configured.split(os.pathsep) if r]
        if configured is not None
        else served_input_roots(None, load_settings().allowed_roots)
    )
    for pattern in inputs or []:
        root = input_root(Path(pattern) if Path(pattern).is_absolute() else Path.cwd() / pattern).resolve()
        if not any(root == r or root.is_relative_to(r) for r in roots):
            problems.append(f"输入 {pattern} 不在配置的输入目录内")
    if problems:
        raise ServedParametersRefused("拒绝运行：" + "；".join(problems))
