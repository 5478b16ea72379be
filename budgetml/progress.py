"""A rich progress bar for the parse stage, handed to the stage as a per-file callback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from budgetml.isolation import ParseOutcome
from budgetml.terminal import plain, plain_console


@contextmanager
def parse_progress(
    total: int, enabled: bool = True, console: Console | None = None
) -> Iterator[Callable[[ParseOutcome], None]]:
    """Yield a callback to call once per parsed file; prints each file that did not parse fully."""
    if not enabled or total == 0:
        yield lambda outcome: None
        return
    columns = (
        TextColumn("解析"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("剩余"),
        TimeRemainingColumn(),
        TextColumn("{task.description}", markup=False),
    )
    with Progress(*columns, console=console or plain_console(stderr=True), transient=False) as progress:
        task = progress.add_task("", total=total)

        def advance(outcome: ParseOutcome) -> None:
            if outcome.status != "ok":
                progress.console.print(
                    f"{outcome.status} {plain(outcome.source_path)}：{plain(outcome.error)}",
                    style="yellow",
                    markup=False,
                )
            progress.update(task, advance=1, description=plain(Path(outcome.source_path).name))

        yield advance
