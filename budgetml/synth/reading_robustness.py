"""Score a varied corpus (`budgetml sample --vary`) filing by filing, and say which presentation knobs the misses sit on.

For every labelled filing: were its headline figures read exactly, every expenditure (code → 合计) pair
recalled, every table and form identified; did a clean filing get an error-level finding; was an injected
inconsistency found. Then, for each knob value, how many of the filings (or tables) printed with it missed:
the parser team's list of what to fix. Figures follow budgetml/synth/evaluate.py's definitions (same
tolerance, same detecting severities); the outlier ROC AUC is evaluate's. Datasets are read through
budgetml.datasets, so the output folder's layout is the pipeline's business.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from budgetml.datasets import read_table
from budgetml.schema import CHECKS, FILINGS, LINE_ITEMS, Dataset
from budgetml.synth.evaluate import (
    DETECTING_SEVERITIES,
    FALSE_POSITIVE_SEVERITIES,
    HEADLINES,
    RateScore,
    evaluate,
    is_detected,
    read_labels,
    tolerance_wan,
)

# The Done-when of issue 9 on a varied corpus of ≥ 300 filings (docs/benchmarks.md).
TARGETS = {
    "headline": ">= 99.5%",
    "pairs": ">= 99.5%",
    "clean_with_error": "<= 1%",
    "injected": ">= 95%",
    "auc": ">= 0.95",
}
# Knobs whose value is recorded but says nothing on its own (a day of the month, the wording of a statement
# the filing does not print unless its caption is document_unit).
UNSCORED_KNOBS = frozenset({"day", "document_unit_form", "document_unit_mixed_form", "header_unit_form"})
TOP_ROWS = 12  # lines in each "most frequent" list


@dataclass(frozen=True)
class FilingOutcome:
    """What the pipeline got right and wrong on one varied filing."""

    path: str
    category: str  # clean | inconsistency | outlier
    status: str  # the parse status; "missing" when absent from filings
    error: str | None  # filings.error
    knobs: Mapping[str, str]  # filing-level knob → value, as text
    table_knobs: Mapping[str, Mapping[str, str]]  # table id → its own knobs (what it finally printed with)
    headline_missed: tuple[str, ...]  # headline figures not read exactly
    n_pairs: int  # expenditure (code → 合计) pairs printed
    pairs_missed: tuple[str, ...]  # their codes not recalled
    tables_expected: tuple[str, ...]
    tables_missed: tuple[str, ...]
    failed_rules: tuple[str, ...]  # rules with a failed finding of error severity
    detected: bool | None  # the injection found by one of its own rules (evaluate.DETECTING_RULES); None otherwise


@dataclass(frozen=True)
class KnobRow:
    """One knob value and how the filings (or tables) printed with it fared, per measure: (missed, eligible)."""

    knob: str
    value: str
    n: int
    misses: Mapping[str, tuple[int, int]]


@dataclass(frozen=True)
class RobustnessReport:
    n_filings: int
    status_counts: Mapping[str, int]
    headline: RateScore  # filings whose seven headline figures are all exact
    pairs: RateScore  # expenditure pairs recalled
    tables: RateScore  # printed tables and forms identified
    all_tables: RateScore  # filings with every table identified
    clean_with_error: RateScore  # clean filings with an error-level finding (lower is better)
    injected: RateScore  # inconsistency filings whose injection was found
    outlier_auc: float | None
    by_knob: tuple[KnobRow, ...]
    by_table_knob: tuple[KnobRow, ...]
    tables_missed: Mapping[str, tuple[int, int]]  # table id → (missed, printed)
    headline_missed: Mapping[str, int]  # figure → filings missing it
    clean_error_rules: Mapping[str, int]  # rule → clean filings it failed on
    parse_errors: Mapping[str, int]  # filings.error, numbers and titles folded, → filings


# What each measure counts per filing: (eligible, missed) — or, for tables, (printed, not identified).
FILING_MEASURES = {
    "headline": lambda o: (1, int(bool(o.headline_missed))),
    "pairs": lambda o: (int(o.n_pairs > 0), int(bool(o.pairs_missed))),
    "tables": lambda o: (len(o.tables_expected), len(o.tables_missed)),
    "clean_with_error": lambda o: (int(o.category == "clean"), int(o.category == "clean" and bool(o.failed_rules))),
    "injected": lambda o: (int(o.category == "inconsistency"), int(o.detected is False)),
}
MEASURE_NAMES = {
    "headline": "filings: headline figures not all exact",
    "pairs": "filings: an expenditure pair missed",
    "tables": "tables not identified",
    "clean_with_error": "clean filings with an error finding",
    "injected": "injected inconsistencies not found",
}


def reading_robustness(labels_path: Path, output_dir: Path) -> RobustnessReport:
    """Score the datasets in output_dir against a varied corpus's labels, overall and per knob value."""
    labels = [f for f in read_labels(labels_path) if "presentation" in f]
    if not labels:
        raise ValueError(f"{labels_path}: no filing carries presentation knobs (generate the corpus with --vary)")
    outcomes = filing_outcomes(labels, Path(output_dir))
    outliers = evaluate(labels_path, output_dir).outliers
    tables_missed: dict[str, list[int]] = {}
    for o in outcomes:
        for table_id in o.tables_expected:
            counts = tables_missed.setdefault(table_id, [0, 0])
            counts[0] += table_id in o.tables_missed
            counts[1] += 1
    clean = [o for o in outcomes if o.category == "clean"]
    injected = [o for o in outcomes if o.category == "inconsistency"]
    return RobustnessReport(
        n_filings=len(outcomes),
        status_counts=dict(sorted(Counter(o.status for o in outcomes).items())),
        headline=RateScore("headline", sum(not o.headline_missed for o in outcomes), len(outcomes)),
        pairs=RateScore(
            "pairs", sum(o.n_pairs - len(o.pairs_missed) for o in outcomes), sum(o.n_pairs for o in outcomes)
        ),
        tables=RateScore(
            "tables",
            sum(len(o.tables_expected) - len(o.tables_missed) for o in outcomes),
            sum(len(o.tables_expected) for o in outcomes),
        ),
        all_tables=RateScore("all_tables", sum(not o.tables_missed for o in outcomes), len(outcomes)),
        clean_with_error=RateScore("clean_with_error", sum(bool(o.failed_rules) for o in clean), len(clean)),
        injected=RateScore("injected", sum(bool(o.detected) for o in injected), len(injected)),
        outlier_auc=outliers.roc_auc if outliers else None,
        by_knob=knob_rows(outcomes),
        by_table_knob=table_knob_rows(outcomes),
        tables_missed={k: (v[0], v[1]) for k, v in sorted(tables_missed.items(), key=lambda kv: -kv[1][0])},
        headline_missed=dict(Counter(name for o in outcomes for name in o.headline_missed).most_common()),
        clean_error_rules=dict(Counter(rule for o in clean for rule in set(o.failed_rules)).most_common()),
        parse_errors=dict(Counter(_error_pattern(o.error) for o in outcomes if o.error).most_common()),
    )


def filing_outcomes(labels: Sequence[dict], output_dir: Path) -> list[FilingOutcome]:
    """Each labelled filing against the parse, checks and line items of output_dir (absent datasets: all missed)."""
    parsed = {r["filing_id"]: r for r in _rows(FILINGS, output_dir)}
    pairs: dict[tuple[str, str], list[float]] = {}
    for r in _rows(LINE_ITEMS, output_dir):
        if r["table_id"] == "expenditure_summary" and r["column_name"] == "total" and r["code"]:
            pairs.setdefault((r["filing_id"], r["code"]), []).append(r["amount_wan"])
    failed: dict[str, set[str]] = {}
    detections: set[tuple[str, str]] = set()  # (filing, rule) of failed detecting findings
    for r in _rows(CHECKS, output_dir):
        if r["is_passed"] is False:
            if r["severity"] in FALSE_POSITIVE_SEVERITIES:
                failed.setdefault(r["filing_id"], set()).add(r["rule_id"])
            if r["severity"] in DETECTING_SEVERITIES:
                detections.add((r["filing_id"], r["rule_id"]))
    outcomes = []
    for label in labels:
        fid = label["filing_id"]
        row = parsed.get(fid, {})
        unit = label["expenditure_items_unit"]
        missed_pairs = tuple(
            code
            for code, value in label["expenditure_items_wan"].items()
            if not any(_exact(value, v, unit) for v in pairs.get((fid, code), ()))
        )
        found = set(row.get("tables_found") or ())
        category = label["injections"][0]["category"] if label["injections"] else "clean"
        presentation = label["presentation"]
        outcomes.append(
            FilingOutcome(
                path=label["path"],
                category=category,
                status=row.get("status", "missing"),
                error=row.get("error"),
                knobs={k: _text(v) for k, v in presentation.items() if k != "tables" and k not in UNSCORED_KNOBS},
                table_knobs={t: _table_knobs(knobs) for t, knobs in presentation["tables"].items()},
                headline_missed=tuple(
                    name
                    for name in HEADLINES
                    if not _exact(
                        label["headline_wan"].get(name),
                        row.get(f"{name}_wan"),
                        label["headline_units"].get(name, "万元"),
                    )
                ),
                n_pairs=len(label["expenditure_items_wan"]),
                pairs_missed=missed_pairs,
                tables_expected=tuple(label["tables"]),
                tables_missed=tuple(t for t in label["tables"] if t not in found),
                failed_rules=tuple(sorted(failed.get(fid, ()))),
                detected=is_detected(label, detections) if category == "inconsistency" else None,
            )
        )
    return outcomes


def knob_rows(outcomes: Sequence[FilingOutcome]) -> tuple[KnobRow, ...]:
    """Every filing-level knob value with its misses per measure (a filing counts once per measure)."""
    groups: dict[tuple[str, str], list[FilingOutcome]] = {}
    for o in outcomes:
        for knob, value in o.knobs.items():
            groups.setdefault((knob, value), []).append(o)
    return tuple(
        KnobRow(knob, value, len(group), {m: _count(group, test) for m, test in FILING_MEASURES.items()})
        for (knob, value), group in sorted(groups.items())
    )


def table_knob_rows(outcomes: Sequence[FilingOutcome]) -> tuple[KnobRow, ...]:
    """Table identification per value of a table's own knobs, and per table."""
    groups: dict[tuple[str, str], list[bool]] = {}
    for o in outcomes:
        for table_id, knobs in o.table_knobs.items():
            missed = table_id in o.tables_missed
            for knob, value in (("table", table_id), *knobs.items()):
                groups.setdefault((knob, value), []).append(missed)
    return tuple(
        KnobRow(knob, value, len(misses), {"tables": (sum(misses), len(misses))})
        for (knob, value), misses in sorted(groups.items())
    )


def _rows(dataset: Dataset, output_dir: Path) -> list[dict]:
    table = read_table(dataset, output_dir)
    return [] if table is None else pl.from_arrow(table).to_dicts()


def _exact(expected: float | None, actual: float | None, unit: str) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    return abs(expected - actual) <= tolerance_wan(unit)


def _count(group: Sequence[FilingOutcome], test) -> tuple[int, int]:
    results = [test(o) for o in group]
    return sum(missed for _, missed in results), sum(eligible for eligible, _ in results)


def _text(value: object) -> str:
    return "yes" if value is True else "no" if value is False else str(value) if value != "" else "(none)"


def _table_knobs(knobs: Mapping) -> dict[str, str]:
    return {
        "table.caption": knobs["caption"],
        "table.unit": knobs["unit"],
        "table.digits": knobs["digits"],
        "table.orientation": "landscape" if knobs["landscape"] else "portrait",
        "table.font_pt": _text(knobs["font_pt"] or "default"),
        "table.breaks": str(len(knobs["breaks"])),
        "table.new_page": _text(knobs["new_page"]),
    }


# Folds that make equal causes of a parse error count together: table titles, numbers, the text a unit was read from.
_ERROR_FOLDS = (
    (re.compile(r"「[^」]*」"), "「…」"),
    (re.compile(r"\d+"), "N"),
    (re.compile(r"(未知金额单位：).*"), r"\1…"),
)


def _error_pattern(error: str) -> str:
    """A parse error's first message with its page numbers, table titles and misread units folded."""
    text = error.split("；")[0]
    for pattern, replacement in _ERROR_FOLDS:
        text = pattern.sub(replacement, text)
    return text


# --- printing ---------------------------------------------------------------------------------------------


def _pct(missed: int, eligible: int) -> str:
    return "—" if not eligible else f"{missed * 100 / eligible:.0f}%"


def _rate(score: RateScore) -> str:
    return "—" if score.rate is None else f"{score.rate * 100:.1f}%"


def format_robustness(report: RobustnessReport) -> str:
    """The report as Markdown: headline figures with the Done-when targets, then the misses per knob value."""
    status = ", ".join(f"{k} {v}" for k, v in report.status_counts.items())
    auc = "—" if report.outlier_auc is None else f"{report.outlier_auc:.3f}"
    lines = [
        f"Filings: {report.n_filings} (parse status: {status})",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| headline figures exact (all seven), filings | {report.headline.matched} / {report.headline.checked} = {_rate(report.headline)} | {TARGETS['headline']} |",
        f"| expenditure (code → 合计) pairs recalled | {report.pairs.matched} / {report.pairs.checked} = {_rate(report.pairs)} | {TARGETS['pairs']} |",
        f"| tables and forms identified | {report.tables.matched} / {report.tables.checked} = {_rate(report.tables)} | all |",
        f"| filings with every table identified | {report.all_tables.matched} / {report.all_tables.checked} = {_rate(report.all_tables)} | all |",
        f"| clean filings with an error-level finding | {report.clean_with_error.matched} / {report.clean_with_error.checked} = {_rate(report.clean_with_error)} | {TARGETS['clean_with_error']} |",
        f"| injected inconsistencies found | {report.injected.matched} / {report.injected.checked} = {_rate(report.injected)} | {TARGETS['injected']} |",
        f"| outlier ROC AUC (clean vs outlier filings) | {auc} | {TARGETS['auc']} |",
        "",
        "Where the misses concentrate (the knob values whose filings missed most; knobs are drawn independently, "
        "so a value's miss rate against the other values of its knob is its effect):",
        "",
        *_worst_lines(report),
        "",
        "Misses per filing-level knob value (share of the filings — for tables, of the tables — printed with "
        "that value that missed; a filing carries every knob, so read a value against the others of its knob):",
        "",
        "| knob | value | filings | " + " | ".join(MEASURE_NAMES[m] for m in FILING_MEASURES) + " |",
        "|---|---|---|" + "---|" * len(FILING_MEASURES),
    ]
    for row in report.by_knob:
        cells = [_pct(*row.misses[m]) for m in FILING_MEASURES]
        lines.append(f"| {row.knob} | {row.value} | {row.n} | " + " | ".join(cells) + " |")
    lines += ["", "Tables not identified, by table and by each table's own knobs (what it finally printed with):", ""]
    lines += ["| knob | value | tables | not identified |", "|---|---|---|---|"]
    for row in report.by_table_knob:
        missed, n = row.misses["tables"]
        lines.append(f"| {row.knob} | {row.value} | {n} | {missed} ({_pct(missed, n)}) |")
    lines += _counter_table("headline figure", "filings missing it", report.headline_missed)
    lines += _counter_table("rule failing on clean filings (error)", "clean filings", report.clean_error_rules)
    lines += _counter_table("filings.error (first message, numbers folded)", "filings", report.parse_errors)
    return "\n".join(lines).rstrip() + "\n"


def _counter_table(what: str, count: str, counts: Mapping[str, int]) -> list[str]:
    if not counts:
        return []
    lines = ["", f"| {what} | {count} |", "|---|---|"]
    lines += [f"| {key} | {n} |" for key, n in list(counts.items())[:TOP_ROWS]]
    if len(counts) > TOP_ROWS:
        lines.append(f"| … {len(counts) - TOP_ROWS} more | |")
    return lines


def worst_knob_values(report: RobustnessReport, measure: str, n: int = 5, min_filings: int = 10) -> list[KnobRow]:
    """The knob values whose filings missed `measure` most often (ties: more filings first)."""
    rows = [r for r in report.by_knob if r.misses[measure][1] >= min_filings and r.misses[measure][0]]
    return sorted(rows, key=lambda r: (-r.misses[measure][0] / r.misses[measure][1], -r.n))[:n]


def _worst_lines(report: RobustnessReport) -> list[str]:
    lines = []
    for measure, name in MEASURE_NAMES.items():
        worst = worst_knob_values(report, measure)
        if worst:
            listed = ", ".join(f"{r.knob}={r.value} {_pct(*r.misses[measure])}" for r in worst)
            lines.append(f"- {name}: {listed}")
    missed_tables = [f"{t} {_pct(m, n)}" for t, (m, n) in report.tables_missed.items() if m][:6]
    if missed_tables:
        lines.append("- tables least identified: " + ", ".join(missed_tables))
    return lines or ["- no misses"]
