"""The command line: each command a few lines over a library function."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from budgetml import parse as parsing
from budgetml.datasets import data_dictionary

app = typer.Typer(add_completion=False, no_args_is_help=True, help="部门预算公开 PDFs → Parquet datasets, checks and review flags.")
console = Console()
DOCS_PATH = Path(__file__).resolve().parent.parent / "docs" / "datasets.md"


@app.command()
def parse(
    paths: list[Path] = typer.Argument(..., help="PDF files or folders (searched recursively for *.pdf)."),
    output: Path = typer.Option(Path("output"), "--output", "-o", help="Folder for the Parquet datasets."),
) -> None:
    """Parse disclosures into filings / line_items / narrative Parquet files.

    Example: budgetml parse data/fixtures --output output
    """
    files = parsing.discover(paths)
    if not files:
        console.print(f"[red]没有找到 PDF 文件：{', '.join(map(str, paths))}[/red]")
        raise typer.Exit(code=2)
    counts = {"ok": 0, "partial": 0, "failed": 0}
    with Progress(TextColumn("解析"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"), console=console) as progress:
        task = progress.add_task("", total=len(files))

        def advance(parsed: parsing.ParsedFiling) -> None:
            counts[parsed.status] += 1
            if parsed.status != "ok":
                progress.console.print(f"[yellow]{parsed.status}[/yellow] {parsed.source_path}: {parsed.error}")
            progress.update(task, advance=1, description=Path(parsed.source_path).name)

        written = parsing.parse_to_datasets(files, output, on_file=advance)
    console.print(f"{len(files)} 个文件：成功 {counts['ok']}，部分成功 {counts['partial']}，失败 {counts['failed']}")
    for name, path in written.items():
        console.print(f"  {name}: {path}")


@app.command()
def fixture(out: Path = typer.Option(Path("data/fixtures"), "--out", help="Folder for the generated PDF.")) -> None:
    """Render the seed disclosure (data/seed) to a PDF fixture.

    Example: budgetml fixture --out data/fixtures
    """
    from budgetml.seed import write_fixture

    console.print(f"fixture: {write_fixture(out)}")


@app.command()
def check(output: Path = typer.Argument(Path("output"), help="Folder holding the parsed datasets.")) -> None:
    """Run the consistency rules over parsed datasets; writes claims.parquet and checks.parquet.

    Example: budgetml check output
    """
    from budgetml.checks import check_output

    written = check_output(output)
    import polars as pl

    checks = pl.read_parquet(written["checks"])
    failed = checks.filter(pl.col("passed") == False)  # noqa: E712 - polars expression
    console.print(f"规则检查：{checks.height} 项，未通过 {failed.height} 项（错误 {failed.filter(pl.col('severity') == 'error').height}），无法检查 {checks['passed'].null_count()} 项")
    for name, path in written.items():
        console.print(f"  {name}: {path}")


@app.command()
def docs(path: Path = typer.Option(DOCS_PATH, help="Where to write the data dictionary.")) -> None:
    """Regenerate docs/datasets.md (from the dataset declarations) and docs/rules.md (from the rule registry).

    Example: budgetml docs
    """
    from budgetml.checks import rules_markdown

    path.write_text(data_dictionary(), encoding="utf-8")
    rules_path = path.parent / "rules.md"
    rules_path.write_text(rules_markdown(), encoding="utf-8")
    console.print(f"wrote {path} and {rules_path}")


if __name__ == "__main__":
    app()
