"""The command line: each command a few lines over a library function."""

from __future__ import annotations

from pathlib import Path

import typer

from budgetml.terminal import plain, plain_console

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="部门预算公开 PDFs → Parquet datasets, checks and review flags.",
    rich_markup_mode=None,
)
console = plain_console()
DOCS_PATH = Path(__file__).resolve().parent.parent / "docs" / "datasets.md"


def fail(message: object, code: int = 2) -> typer.Exit:
    """Print one plain red line (no traceback) and return the exit to raise."""
    console.print(plain(message), style="red")
    return typer.Exit(code=code)


def require_output(output: Path) -> None:
    """Stop with one Chinese line unless `output` is a budgetml output folder with published datasets."""
    from budgetml import layout
    from budgetml.schema import FILINGS

    if not output.exists():
        raise fail(
            f"输出目录 {output} 不存在：请先运行 budgetml run --output {output}，或用 --output 指定已有的输出目录"
        )
    if not output.is_dir():
        raise fail(f"{output} 不是目录：请指定 budgetml 的输出目录")
    if not layout.dataset_path(output, FILINGS).exists():
        raise fail(
            f"{output} 不是 budgetml 的输出目录（没有 {layout.DATA_DIR}/{FILINGS.name}.parquet）：请先运行 budgetml run --output {output}"
        )


def writable_output(output: Path) -> None:
    """Stop with one Chinese line when `output` exists but is a file, or a folder with other things than an output's."""
    from budgetml import layout

    if output.exists() and not output.is_dir():
        raise fail(f"{output} 是文件，不是目录：请指定输出目录")
    if output.is_dir() and any(output.iterdir()):
        marks = (layout.DATA_DIR, layout.STATE_DIR, *layout.SIDE_DIRS)
        if not any((output / m).exists() for m in marks) and not layout.has_flat_layout(output):
            raise fail(f"{output} 已有其他内容，不是 budgetml 的输出目录：请指定一个空目录或已有的输出目录")


ENGINE_HELP = (
    "PDF extraction engine: pdfium or pdfminer (same datasets); default: [parse] engine in configs/nightly.toml."
)


@app.command()
def parse(
    paths: list[Path] = typer.Argument(..., help="PDF files or folders (searched recursively for *.pdf)."),
    output: Path = typer.Option(Path("output"), "--output", "-o", help="Folder for the Parquet datasets."),
    workers: int = typer.Option(0, help="Parallel parse workers; 0 = configs/nightly.toml (one per core)."),
    time_limit: float = typer.Option(
        None, "--time-limit", help="Seconds one file may take (default: configs/nightly.toml)."
    ),
    memory_limit: int = typer.Option(
        None, "--memory-limit", help="MB one parse may add (default: configs/nightly.toml)."
    ),
    config: Path = typer.Option(None, "--config", help="Run settings; default: configs/nightly.toml."),
    engine: str = typer.Option(None, "--engine", help=ENGINE_HELP),
) -> None:
    """Parse disclosures into the parse datasets (filings, line_items, tables, form_cells, narrative) in OUTPUT/data/.

    Each file is parsed in an isolated worker with the time and memory limits of a nightly run, and
    reuses the run's cache: `budgetml parse` and `budgetml run` give the same rows for the same files.

    Example: budgetml parse data/fixtures --output output
    """
    from dataclasses import replace

    from budgetml.batch import parse_to_output
    from budgetml.incremental import InputsVanished
    from budgetml.inputs import InputsError, find_inputs
    from budgetml.isolation import WorkerStartError
    from budgetml.lock import OutputLocked
    from budgetml.progress import parse_progress
    from budgetml.settings import SettingsError, load_settings, with_engine

    writable_output(output)
    try:
        settings = load_settings(config) if config else load_settings()
        settings = with_engine(settings, engine) if engine else settings
        found = find_inputs([str(p) for p in paths], Path.cwd(), settings.allowed_roots)
    except (SettingsError, InputsError) as exc:
        console.print(plain(exc), style="red")
        raise typer.Exit(code=2) from None
    limits = replace(
        settings.limits,
        **({"time_limit_s": float(time_limit)} if time_limit else {}),
        **({"memory_limit_mb": int(memory_limit)} if memory_limit else {}),
    )
    for skipped in found.skipped:
        console.print(f"跳过 {plain(skipped.path)}：{plain(skipped.reason)}", style="yellow")
    try:
        with parse_progress(len(found.files)) as advance:
            result = parse_to_output(
                found,
                output,
                limits,
                workers or settings.worker_count,
                settings.max_vanished_pct,
                advance,
                settings.partition_over_filings,
            )
    except (OutputLocked, WorkerStartError) as exc:
        console.print(plain(exc), style="red")
        raise typer.Exit(code=2) from None
    except InputsVanished as exc:
        console.print(plain(exc), style="red")
        raise typer.Exit(code=3) from None
    statuses = result.inputs.column("status").to_pylist()
    duplicates = result.inputs.column("parse_outcome").to_pylist().count("duplicate")
    counts = {s: statuses.count(s) for s in ("ok", "partial", "failed")}
    console.print(
        f"{len(statuses)} 个文件：成功 {counts['ok']}，部分成功 {counts['partial']}，失败 {counts['failed']}"
        + (f"（其中 {duplicates} 个与其他文件内容相同，合并为同一份文件）" if duplicates else "")
        + f"；本次解析 {len(result.outcomes)} 个，复用缓存 {len(result.plan.reused)} 个"
    )
    for name, path in result.written.items():
        console.print(f"  {name}: {plain(path)}")


@app.command()
def fixture(out: Path = typer.Option(Path("data/fixtures"), "--out", help="Folder for the generated PDF.")) -> None:
    """Render the seed disclosure (data/seed) to a PDF fixture.

    Example: budgetml fixture --out data/fixtures
    """
    from budgetml.synth.seed import write_fixture

    console.print(f"fixture: {plain(write_fixture(out))}")


@app.command()
def check(output: Path = typer.Argument(Path("output"), help="Folder holding the parsed datasets.")) -> None:
    """Run the consistency rules over parsed datasets; writes claims.parquet, checks.parquet and budget_execution.parquet.

    Example: budgetml check output
    """
    import polars as pl

    from budgetml.checks.rulebook import check_output
    from budgetml.settings import load_settings

    require_output(output)
    written = check_output(output, workers=load_settings().worker_count)

    checks = pl.read_parquet(
        written["checks"], glob=False, columns=["is_passed", "severity"]
    )  # never every message in memory
    failed = checks.filter(pl.col("is_passed").not_())
    console.print(
        f"规则检查：{checks.height} 项，未通过 {failed.height} 项（错误 {failed.filter(pl.col('severity') == 'error').height}），无法检查 {checks['is_passed'].null_count()} 项"
    )
    for name, path in written.items():
        console.print(f"  {name}: {plain(path)}")


@app.command()
def docs(path: Path = typer.Option(DOCS_PATH, help="Where to write the data dictionary.")) -> None:
    """Regenerate docs/datasets.md (from the dataset declarations) and docs/rules.md (from the rule registry).

    Example: budgetml docs
    """
    from budgetml.checks.rulebook import rules_markdown
    from budgetml.datasets import data_dictionary

    path.write_text(data_dictionary(), encoding="utf-8")
    rules_path = path.parent / "rules.md"
    rules_path.write_text(rules_markdown(), encoding="utf-8")
    console.print(f"wrote {path} and {rules_path}")


@app.command()
def run(
    inputs: list[str] = typer.Option(
        None, "--input", "-i", help="PDF 文件夹、文件或通配模式（可重复）；默认读 configs/sources.toml。"
    ),
    output: Path = typer.Option(Path("output"), "--output", "-o", help="输出目录（数据集、报告、证据图片）。"),
    workers: int = typer.Option(0, help="并行解析进程数；0 表示按 configs/nightly.toml（每核一个）。"),
    dask: str = typer.Option("", "--dask", help="Dask 调度器地址，如 tcp://10.0.0.5:8786：在该集群上解析。"),
    config: Path = typer.Option(
        None, "--config", help="运行设置（限额、进程数、Dask、定时）；默认 configs/nightly.toml。"
    ),
    parse_only: bool = typer.Option(
        False, "--parse-only", help="只生成解析数据集（不做一致性检查、特征、评分和报告）。"
    ),
    engine: str = typer.Option(
        None, "--engine", help="PDF 读取引擎：pdfium 或 pdfminer（结果相同）；默认按 configs/nightly.toml。"
    ),
    force: bool = typer.Option(
        False, "--force", help="即使输入未变，也重新运行一致性检查、特征、评分和报告（解析仍复用缓存）。"
    ),
) -> None:
    """运行一次夜间流程：解析新增和变更的 PDF，重建数据集，做一致性检查、评分并生成报告。

    输入（数据集、配置、复核结论、程序版本）未变的后续阶段不重新运行，沿用上次的结果；--force 全部重新运行。

    示例：budgetml run --input data/fixtures --output output
    """
    import os
    import signal
    import sys
    from contextlib import ExitStack

    from budgetml.incremental import InputsVanished
    from budgetml.inputs import InputsError, find_inputs
    from budgetml.lock import OutputLocked, output_lock
    from budgetml.runs import summary_text
    from budgetml.settings import SettingsError, input_patterns, load_settings, with_engine
    from budgetml.watchdog import start_watchdog

    writable_output(output)
    with ExitStack() as held:
        try:  # before Prefect's start-up: a second run stops here, whatever the timing
            settings = load_settings(config) if config else load_settings()
            if engine:
                with_engine(settings, engine)  # an unknown engine stops here, before Prefect starts
            find_inputs(*input_patterns(inputs), settings.allowed_roots)
            held.enter_context(output_lock(output.absolute()))
        except (OutputLocked, SettingsError, InputsError) as exc:
            console.print(plain(exc), style="red")
            raise typer.Exit(code=2) from None
        start_watchdog()  # kill -9 of this process must not leave Prefect's server or a worker behind
        from flows.serve import running_server

        server = running_server()  # a running server (make serve, PREFECT_API_URL) saves the temporary one's start
        if server:
            os.environ["PREFECT_API_URL"] = server
        elif os.environ.pop("PREFECT_API_URL", None):
            console.print("PREFECT_API_URL 指向的 Prefect 服务器没有响应：本次使用临时服务器", style="yellow")
        from flows.nightly import nightly  # Prefect is imported here only: budgetml/ never imports it

        # SIGTERM (a scheduler's timeout, `kill`) unwinds like Ctrl-C, so Prefect's temporary server is stopped too.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
        try:
            summary = nightly(
                inputs=[str(Path(p).absolute()) for p in inputs] if inputs else None,
                output=str(output),
                workers=workers,
                dask_address=dask or None,
                settings_path=str(config.absolute()) if config else None,
                later_stages=not parse_only,
                show_progress=True,
                engine=engine or None,
                rerun_later_stages=force,
            )
        except InputsVanished as exc:
            console.print(plain(exc), style="red")
            raise typer.Exit(code=3) from None
    console.print(summary_text(summary))


@app.command()
def serve(
    port: int = typer.Option(4200, help="Port of the local Prefect server, bound to 127.0.0.1."),
    output: Path = typer.Option(
        Path("output"), "--output", "-o", help="Folder for the datasets of the scheduled runs."
    ),
) -> None:
    """Start a local Prefect server and serve the nightly flow on its cron (configs/nightly.toml); Ctrl-C stops both.

    Example: budgetml serve --port 4200   (UI: http://127.0.0.1:4200)
    """
    from flows.serve import serve_nightly

    writable_output(output)
    serve_nightly(port=port, output=output.absolute())


@app.command()
def features(
    output: Path = typer.Argument(Path("output"), help="Folder holding the parsed and checked datasets."),
) -> None:
    """Compute features.parquet: per filing shares, ratios, year-over-year changes, indicator counts, failed checks.

    Example: budgetml features output
    """
    from budgetml.features import build_features

    require_output(output)
    console.print(f"  features: {plain(build_features(output))}")


@app.command()
def score(
    output: Path = typer.Argument(Path("output"), help="Folder holding features.parquet."),
    store: Path = typer.Option(None, "--store", help="Review decision store (default: configs/review.toml)."),
) -> None:
    """Score filings against their peer groups (isolation forest + failed checks); writes anomalies.parquet.

    Example: budgetml score output
    """
    import polars as pl

    from budgetml.detect import score_filings

    require_output(output)
    path = score_filings(output, store=store)
    scored = pl.read_parquet(path, glob=False, columns=["is_flagged", "is_new_flag"])
    console.print(
        f"评分 {scored.height} 个文件：需复核 {scored['is_flagged'].sum()} 个，其中新增 {scored['is_new_flag'].sum()} 个"
    )
    console.print(f"  anomalies: {plain(path)}")


@app.command()
def report(
    output: Path = typer.Argument(Path("output"), help="输出目录（含数据集和评分结果）。"),
    store: Path = typer.Option(None, "--store", help="复核记录库（默认见 configs/review.toml）。"),
) -> None:
    """生成复核报告：一个可离线打开、可转发存档的中文 HTML 文件，写在 输出目录/reports/ 下。

    报告列出复核队列中的每个文件（含问题证据截图和复核结论）；日常复核请用 budgetml serve-review。

    示例：budgetml report output
    """
    from budgetml.report import write_report

    require_output(output)
    console.print(f"报告：{plain(write_report(output, store=store))}")


@app.command("serve-review")
def serve_review(
    output: Path = typer.Option(Path("output"), "--output", "-o", help="输出目录（budgetml run 的结果）。"),
    port: int = typer.Option(8765, "--port", help="端口；只在本机 127.0.0.1 上监听。"),
    store: Path = typer.Option(None, "--store", help="复核记录库（默认见 configs/review.toml）。"),
) -> None:
    """启动复核台：在浏览器中查看复核队列、问题证据截图，并记录复核结论（Ctrl-C 停止）。

    只在本机 127.0.0.1 上监听；结论立即写入复核记录库，队列随即更新，无需重新运行。

    示例：budgetml serve-review --output output   （然后打开 http://127.0.0.1:8765）
    """
    from budgetml.desk.app import serve_review as serve
    from budgetml.review_store import ReviewError, default_store_path

    require_output(output)
    console.print(f"复核台：http://127.0.0.1:{port}  （输出目录 {plain(output.absolute())}；Ctrl-C 停止）")
    try:
        serve(output, store or default_store_path(), port)
    except (ReviewError, OSError) as exc:
        raise fail(f"复核台无法启动：{exc}") from None


@app.command()
def review(
    filing_id: str = typer.Argument(None, help="文件编号（filing_id），或其至少 8 位的唯一前缀。"),
    status: str = typer.Option(
        None, "--status", help="结论：confirmed（确认问题）| dismissed（排除）| needs-info（需补充材料）。"
    ),
    note: str = typer.Option("", "--note", help="说明：核实了什么、与谁核实。"),
    by: str = typer.Option("", "--by", help="复核人姓名。"),
    rule: str = typer.Option(None, "--rule", help="只对该规则的问题作结论（规则编号，如 summary.balance）。"),
    list_queue: bool = typer.Option(False, "--list", help="列出复核队列（待复核的在前）。"),
    output: Path = typer.Option(Path("output"), "--output", "-o", help="输出目录。"),
    store: Path = typer.Option(None, "--store", help="复核记录库（默认见 configs/review.toml）。"),
) -> None:
    """记录复核结论（对整个文件或某条规则的问题），或列出复核队列。

    示例：budgetml review 217da8433b70 --status dismissed --note "机构改革并入数据局，增长属实" --by 张三
          budgetml review --list
    """
    from budgetml import review as reviewing

    require_output(output)
    try:
        if list_queue:
            queue = reviewing.review_queue(output, store)
            counts = {
                label: sum(i.status_label == label for i in queue) for label in reviewing.QUEUE_STATUS_LABELS.values()
            }
            console.print(f"复核队列 {len(queue)} 个文件：" + "，".join(f"{k} {v}" for k, v in counts.items()))
            for item in queue:
                console.print(
                    f"  [{item.status_label}] #{item.rank} {item.filing_id[:12]} {plain(item.department or '')} {item.year or ''}年  优先级 {item.priority:.3f}"
                )
                for reason in item.reasons[:3]:
                    console.print(f"      - {plain(reason)}")
                for d in item.older_versions:
                    console.print(f"      旧版本 {d.filing_id[:12]} 曾被复核为“{d.status_label}”：{plain(d.note)}")
            return
        if filing_id is None or status is None:
            raise reviewing.ReviewError("请给出文件编号和 --status（或用 --list 查看待复核队列）")
        decision = reviewing.record_decision(output, filing_id, status, note, by, rule, store)
    except reviewing.ReviewError as exc:
        console.print(plain(exc), style="red")
        raise typer.Exit(code=2) from None
    scope = f"规则 {decision.rule_id}" if decision.rule_id else "整个文件"
    console.print(
        f"已记录：{plain(decision.department or '')} {decision.year or ''}年（{decision.filing_id[:12]}，{plain(scope)}）→ {decision.status_label}，复核人 {plain(decision.decided_by)}"
    )


@app.command()
def sample(
    out: Path = typer.Option(Path("data/sample"), "--out", help="Folder for the PDFs and labels.json."),
    districts: int = typer.Option(3, "--districts", help="Number of districts (configs/sample.toml order)."),
    departments: int = typer.Option(20, "--departments", help="Departments per district (configs/sample.toml order)."),
    years: list[int] = typer.Option(
        [2023, 2024, 2025], "--years", help="Consecutive budget years: --years 2023 2024 2025."
    ),
    more_years: list[int] = typer.Argument(None, hidden=True),  # the values after the first one of --years
    seed: int = typer.Option(0, "--seed", help="Same seed, same bytes."),
    vary: bool = typer.Option(
        False,
        "--vary",
        help="Print every filing with random presentation knobs (grids, captions, titles, codes, zeros, digits, "
        "orientation, page breaks, cover); labels.json records them. Off: each district's own layout.",
    ),
    final_accounts: bool = typer.Option(
        True,
        "--final-accounts/--no-final-accounts",
        help="Also write each department's 部门决算 for every year but the last (with its own injections).",
    ),
) -> None:
    """Generate a labelled sample corpus of disclosure PDFs (budgets and 决算: clean, inconsistent and outlier filings).

    Example: budgetml sample --out data/sample --districts 3 --departments 20 --years 2023 2024 2025 --seed 7
    Varied presentations: budgetml sample --out data/varied --districts 6 --departments 17 --vary --seed 2027
    """
    import json

    from budgetml.synth.corpus import generate_corpus

    try:
        labels = generate_corpus(
            out,
            districts=districts,
            departments=departments,
            years=[*years, *(more_years or [])],
            seed=seed,
            vary=vary,
            final_accounts=final_accounts,
        )
    except ValueError as exc:  # bad counts or years: say which, no traceback
        console.print(plain(exc), style="red")
        raise typer.Exit(code=2) from None
    n_files = len(json.loads(labels.read_text(encoding="utf-8"))["filings"])
    console.print(f"已生成 {n_files} 个 PDF，标注：{plain(labels)}")


@app.command()
def evaluate(
    labels: Path = typer.Option(..., "--labels", help="labels.json written by `budgetml sample`."),
    output: Path = typer.Option(Path("output"), "--output", "-o", help="Folder holding the datasets of that corpus."),
) -> None:
    """Score the datasets of a parsed sample corpus against its labels (what is not there yet is reported as such).

    Example: budgetml evaluate --labels data/sample/labels.json --output output
    """
    from budgetml.synth.evaluate import LabelsError, format_report
    from budgetml.synth.evaluate import evaluate as run_evaluation

    require_output(output)
    try:
        report = run_evaluation(labels, output)
    except LabelsError as exc:
        console.print(plain(exc), style="red")
        raise typer.Exit(code=2) from None
    typer.echo(format_report(report), nl=False)


if __name__ == "__main__":
    app()


@app.command("verify-engines")
def verify_engines(
    paths: list[Path] = typer.Argument(..., help="PDF files or folders (searched recursively for *.pdf)."),
    show: int = typer.Option(5, help="Differences listed per file."),
) -> None:
    """Developer check: parse every PDF with pdfminer and with pdfium and list where the datasets differ.

    Rows must be equal; bboxes may move by up to 1 pt. Exits 1 when any file differs.

    Example: budgetml verify-engines data/fixtures ../shared/real
    """
    from budgetml.equivalence import compare_engines
    from budgetml.inputs import InputsError, find_inputs

    try:
        files = find_inputs([str(p) for p in paths], Path.cwd()).files
    except InputsError as exc:
        console.print(plain(exc), style="red")
        raise typer.Exit(code=2) from None
    n_differing, shift = 0, 0.0
    for comparison in compare_engines(files):
        shift = max(shift, comparison.max_bbox_shift_pt)
        verdict = f"{len(comparison.differences)} differences" if comparison.differences else "same"
        console.print(
            f"{verdict}: {plain(comparison.source_path)} ({comparison.n_rows} rows, status "
            f"{' / '.join(comparison.statuses)}, bboxes moved ≤ {comparison.max_bbox_shift_pt:.2f} pt)",
            style="yellow" if comparison.differences else None,
        )
        n_differing += bool(comparison.differences)
        for difference in comparison.differences[:show]:
            console.print(f"    {difference.dataset} row {difference.row}: {plain(difference.detail)}")
    console.print(
        f"{len(files)} files: {len(files) - n_differing} same, {n_differing} differ; bboxes moved ≤ {shift:.2f} pt"
    )
    if n_differing:
        raise typer.Exit(code=1)
