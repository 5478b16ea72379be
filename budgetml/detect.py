"""Score filings against their peers (anomalies.parquet): peer groups, robust scaling, an isolation forest, review priority, reasons.

The steps, each a function: `assign_peer_groups` (year and department type, with fallbacks) →
`peer_deviations` (value, peer median and robust z-score of every feature) → `isolation_scores`
(scikit-learn's IsolationForest over the clipped z-scores) → `review_priority` (plus failed checks) →
`flag_within_budget` → `select_reasons` and `deviation_reason` (plain Chinese naming the numbers). `score_features` runs
them over a features frame; `score_filings` reads and writes an output folder.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.ensemble import IsolationForest

from budgetml.datasets import read_table, rows_to_table, write_table
from budgetml.feature_declarations import SCORED, Feature, Scale
from budgetml.layout import dataset_path
from budgetml.review_store import default_store_path, filing_statuses
from budgetml.schema import ANOMALIES
from budgetml.schema import FEATURES as FEATURES_DATASET

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCORING_PATH = PROJECT_DIR / "configs" / "scoring.toml"
# MAD / 0.6745 estimates the standard deviation of a normal distribution (half its values lie within ±0.6745 σ).
MAD_PER_SIGMA = 0.6745
PEER_LEVELS = ("year_type", "type", "year")
# A figure thousands of times its peers' median is a 元/万元 slip (×10000), not a policy: genuine
# differences between departments of one type stay within a factor of about 100.
UNIT_SLIP_RATIO = 1000
ALL_TYPES = "全部"


class ScoringConfigError(ValueError):
    """configs/scoring.toml is malformed; the message names the key."""


@dataclass(frozen=True)
class ScoringSettings:
    """Every knob of the scoring, with the reasons in configs/scoring.toml."""

    min_group_size: int = 5
    levels: tuple[str, ...] = PEER_LEVELS
    z_clip: float = 8.0
    n_estimators: int = 300
    max_samples: int = 256
    random_state: int = 20250601
    error_weight: float = 0.1
    max_errors_counted: int = 3
    warning_weight: float = 0.02
    max_warnings_counted: int = 3
    max_flags: int = 20
    max_flag_share: float = 0.10
    min_abs_z: float = 3.0
    max_reasons: int = 3
    max_details: int = 2
    echo_share: float = 0.1
    n_deviations: int = 5


def load_scoring_settings(path: Path = SCORING_PATH) -> ScoringSettings:
    """The scoring knobs of configs/scoring.toml (its sections flattened); an unknown key or bad value is refused."""
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    values = {key: value for section in raw.values() for key, value in section.items()}
    known = {f.name for f in fields(ScoringSettings)}
    unknown = set(values) - known
    if unknown:
        raise ScoringConfigError(f"{path}: 未知的键 {sorted(unknown)}")
    if "levels" in values:
        values["levels"] = tuple(values["levels"])
        if not values["levels"] or set(values["levels"]) - set(PEER_LEVELS) or values["levels"][-1] != "year":
            raise ScoringConfigError(f"{path}: levels 须取自 {PEER_LEVELS}，且以 year 结尾")
    settings = ScoringSettings(**values)
    if settings.max_flags < 0 or not 0 <= settings.max_flag_share <= 1 or settings.min_group_size < 1:
        raise ScoringConfigError(f"{path}: max_flags ≥ 0、0 ≤ max_flag_share ≤ 1、min_group_size ≥ 1")
    return settings


# ---------------------------------------------------------------- peer groups


# How a peer group's label names a document kind: budgets as before, 决算 groups say so.
KIND_LABELS = {"budget": "", "final_account": "决算 "}


def _group_label(level: str, year: int | None, dtype: str, years: str, doc_kind: str = "budget") -> str:
    year_text = f"{year}年" if year is not None else "年度不明"
    kind = KIND_LABELS[doc_kind]
    if level == "year_type":
        return f"{year_text} {kind}{dtype}"
    if level == "type":
        return f"{kind}{dtype}（{years}）"
    return f"{year_text} {kind}{ALL_TYPES}"


def _level_key(level: str) -> pl.Expr:
    """The columns that define a peer group at `level`: always within one document kind (a 决算 among 决算)."""
    return {
        "year_type": pl.struct("doc_kind", "year", "department_type"),
        "type": pl.struct("doc_kind", "department_type"),
        "year": pl.struct("doc_kind", "year"),
    }[level]


def year_span(frame: pl.DataFrame) -> str:
    """The years a frame covers, as a peer group's label says them (2023–2025年)."""
    years = sorted({y for y in frame["year"].to_list() if y is not None})
    return f"{years[0]}–{years[-1]}年" if len(years) > 1 else (f"{years[0]}年" if years else "各年")


def assign_peer_groups(frame: pl.DataFrame, settings: ScoringSettings) -> pl.DataFrame:
    """Add peer_group, n_peer_group and peer_level: the first level of settings.levels with at least min_group_size filings.

    Every level keeps the document kinds apart: a 决算 is compared with 决算, a budget with budgets.
    The last level (the whole year) is taken whatever its size. 其他 (no type matched) is never a peer
    type: unrelated departments are compared with the whole year instead.
    """
    spans = {kind: year_span(frame.filter(pl.col("doc_kind") == kind)) for kind in set(frame["doc_kind"].to_list())}
    sizes = frame.select(pl.len().over(_level_key(level)).alias(level) for level in settings.levels)
    labels, counts, levels = [], [], []
    rows = frame.select("year", "department_type", "doc_kind").iter_rows()
    for (year, dtype, kind), size in zip(rows, sizes.iter_rows(named=True)):
        for level in settings.levels:
            typed = level != "year"
            if level == settings.levels[-1] or (
                size[level] >= settings.min_group_size and not (typed and dtype == "其他")
            ):
                labels.append(_group_label(level, year, dtype, spans[kind], kind))
                counts.append(size[level])
                levels.append(level)
                break
    return frame.with_columns(
        pl.Series("peer_group", labels, pl.String),
        pl.Series("n_peer_group", counts, pl.Int32),
        pl.Series("peer_level", levels, pl.String),
    )


# ---------------------------------------------------------------- robust scaling within the peer group


@dataclass(frozen=True)
class Deviations:
    """Per filing (rows) and scored feature (columns, in SCORED order)."""

    values: np.ndarray  # the feature values; NaN where null
    medians: np.ndarray  # the peer group's median of the values; NaN where the whole group is null
    z: np.ndarray  # robust z-score on the feature's scale; 0 where the value or the median is missing


def transformed(values: np.ndarray, scale: Scale) -> np.ndarray:
    """Values on the scale the feature is compared on (see feature_declarations.Scale)."""
    if scale.transform == "log":
        return np.log10(np.maximum(values + scale.offset, 1e-12))  # maximum, not fmax: NaN (null) stays NaN
    if scale.transform == "logit":
        p = np.clip(values, 0.01, 99.99)
        return np.log10(p / (100.0 - p))
    return values


def peer_deviations(frame: pl.DataFrame, features: Sequence[Feature] = SCORED) -> Deviations:
    """Robust z-scores within the peer group: (t − median t) / spread, t the value on the feature's scale.

    spread = max(max(the group's MAD, the pooled MAD) / 0.6745, floor), both MADs (median absolute deviation)
    on the transformed scale. The group's MAD is taken about its own median. The pooled MAD is that of
    every filing of the same kind and year about its own peer group's median: how far a filing usually
    lies from its peers. Two guards of small peer groups (a type has one filing per district and year):
    the MAD, unlike the interquartile range, is not widened by two outliers among six peers (its
    breakdown point is one half, the IQR's one quarter), so they do not hide each other; and the pooled
    MAD keeps a group whose few members happen to agree closely from turning an ordinary difference into
    a large z-score.

    A filing's peer group is every filing sharing its level's key (all 教育 filings of every year at
    level "type"), whichever level those filings were themselves given. Medians ignore nulls; a null
    value, or a group without values, gives z = 0 (typical).
    """
    names = [f.name for f in features]
    n = len(names)
    raw = frame.select(pl.col(name).cast(pl.Float64).fill_nan(None) for name in names)
    values = raw.to_numpy().astype(float).reshape(frame.height, n)
    scaled = np.column_stack([transformed(values[:, j], f.scale) for j, f in enumerate(features)]) if names else values
    keyed = pl.concat(
        [
            frame.select("year", "department_type", "doc_kind"),
            pl.DataFrame({f"t{j}": scaled[:, j] for j in range(n)}).with_columns(pl.all().fill_nan(None)),
            raw.rename({name: f"v{j}" for j, name in enumerate(names)}),
        ],
        how="horizontal",
    )
    medians_t = np.full_like(values, np.nan)
    group_mad = np.full_like(values, np.nan)
    medians = np.full_like(values, np.nan)
    level_of = frame["peer_level"].to_numpy()
    for level in set(level_of):
        key = _level_key(level)
        stats = keyed.with_columns(pl.col(f"t{j}").median().over(key).alias(f"m{j}") for j in range(n)).select(
            *(pl.col(f"m{j}") for j in range(n)),
            *((pl.col(f"t{j}") - pl.col(f"m{j}")).abs().median().over(key).alias(f"d{j}") for j in range(n)),
            *(pl.col(f"v{j}").median().over(key).alias(f"r{j}") for j in range(n)),
        )
        rows = level_of == level
        for target, prefix in ((medians_t, "m"), (group_mad, "d"), (medians, "r")):
            target[rows] = stats.select(f"{prefix}{j}" for j in range(n)).to_numpy().astype(float)[rows]
    floors = np.array([f.scale.floor for f in features], dtype=float)
    spread = np.fmax(
        np.fmax(np.nan_to_num(group_mad, nan=0.0), pooled_mad(frame, scaled - medians_t)) / MAD_PER_SIGMA, floors
    )
    z = np.nan_to_num((scaled - medians_t) / spread, nan=0.0)
    high_only = np.array([f.scale.direction == "high" for f in features], dtype=bool)
    z[:, high_only] = np.fmax(z[:, high_only], 0.0)
    return Deviations(values, medians, z)


def pooled_mad(frame: pl.DataFrame, residuals: np.ndarray) -> np.ndarray:
    """Per filing and feature: the median |residual| over the filings of its kind and year (0 where none has one)."""
    if residuals.shape[1] == 0:
        return residuals
    columns = pl.DataFrame({f"e{j}": np.abs(residuals[:, j]) for j in range(residuals.shape[1])}).fill_nan(None)
    keyed = pl.concat([frame.select("doc_kind", "year"), columns], how="horizontal")
    pooled = keyed.select(pl.col(c).median().over(_level_key("year")) for c in columns.columns)
    return np.nan_to_num(pooled.to_numpy().astype(float), nan=0.0)


# ---------------------------------------------------------------- the forest, priority and budget


def isolation_scores(z: np.ndarray, settings: ScoringSettings) -> np.ndarray:
    """Outlier score in (0, 1] per row (higher = more anomalous): IsolationForest over the clipped z-scores.

    score_samples is the negated anomaly score of Liu et al. (2008), so its negation is that score:
    about 0.5 for ordinary rows, towards 1 for rows isolated after few cuts.
    """
    if len(z) == 0:
        return np.zeros(0)
    forest = IsolationForest(
        n_estimators=settings.n_estimators,
        max_samples=min(settings.max_samples, len(z)),
        random_state=settings.random_state,
    )
    clipped = np.clip(z, -settings.z_clip, settings.z_clip)
    return -forest.fit(clipped).score_samples(clipped)


def scores_by_kind(z: np.ndarray, kinds: np.ndarray, settings: ScoringSettings) -> np.ndarray:
    """Isolation scores of each document kind's filings by a forest of their own, over the features that vary among
    them: a budget has no execution rate and a 决算 no performance forms, and columns that are 0 for a whole kind
    would only dilute the forest's random splits."""
    score = np.zeros(len(z))
    for kind in set(kinds.tolist()):
        rows = kinds == kind
        active = np.any(z[rows] != 0, axis=0)
        score[rows] = isolation_scores(z[rows][:, active], settings) if active.any() else 0.5
    return score


def review_priority(
    score: np.ndarray, n_errors: np.ndarray, n_warnings: np.ndarray, settings: ScoringSettings
) -> np.ndarray:
    """The outlier score plus the weight of failed checks (capped): one number to rank the review by."""
    return (
        score
        + settings.error_weight * np.minimum(n_errors, settings.max_errors_counted)
        + settings.warning_weight * np.minimum(n_warnings, settings.max_warnings_counted)
    )


def review_budget(n_filings: int, settings: ScoringSettings) -> int:
    """How many filings one run flags: max_flags, but at most max_flag_share of the filings (at least one when any are scored)."""
    if n_filings == 0:
        return 0
    return min(settings.max_flags, max(1, math.ceil(settings.max_flag_share * n_filings)))


def flag_within_budget(ranked_ids: Sequence[str], budget: int, dismissed: Collection[str]) -> set[str]:
    """The first `budget` filings in rank order, skipping those dismissed for this exact file."""
    flagged: set[str] = set()
    for filing_id in ranked_ids:
        if len(flagged) >= budget:
            break
        if filing_id not in dismissed:
            flagged.add(filing_id)
    return flagged


# ---------------------------------------------------------------- reasons


def _num(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _times(ratio: float) -> str:
    return f"{ratio:.0f}" if ratio >= 10 else f"{ratio:.1f}"


def _count(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _compare(value: float, median: float, unit: str, shown=_num) -> str:
    """How a value stands to its peers' median, in words."""
    if math.isnan(median):
        return "同类部门无可比数据"
    if median > 0 and value >= 2 * median:
        slip = "（疑似金额单位错误）" if value / median >= UNIT_SLIP_RATIO else ""
        return f"为同类部门中位数 {shown(median)}{unit} 的 {_times(value / median)} 倍{slip}"
    side = "高于" if value > median else "低于"
    gap = f"（相差 {_num(abs(value - median))} 个百分点）" if unit == "%" else ""
    return f"{side}同类部门中位数 {shown(median)}{unit}{gap}"


def deviation_reason(
    feature: Feature, value: float, median: float, yoy_basis: str | None = None, z: float | None = None
) -> str:
    """One reason in plain Chinese, e.g. 三公经费占支出合计比例 0.90%，为同类部门中位数 0.08% 的 11 倍.

    z (the robust z-score) below 1 in size: the value is within the peers' usual spread, so it is stated
    next to their median without a comparison (the headline of a topic is stated even when another of
    its figures is the one that stands out).
    """
    if math.isnan(value):
        return f"{feature.label}无数据"
    if feature.kind == "execution":
        # 支出决算为年初预算的 61.3%，同类部门中位数 97.8%
        median_text = "同类部门无可比数据" if math.isnan(median) else f"同类部门中位数 {median:.1f}%"
        return f"{feature.label.removesuffix('比例')} {value:.1f}%，{median_text}"
    close = z is not None and abs(z) < 1 and not math.isnan(median)
    if feature.kind == "change":
        verb = "增长" if value >= 0 else "下降"
        basis = "（上年数取自说明）" if yoy_basis == "narrative" else ""
        median_text = "同类部门无可比数据" if math.isnan(median) else f"同类部门中位数 {median:+.1f}%"
        return f"{feature.label}比上年{verb} {_num(abs(value))}%{basis}，{median_text}"
    if feature.kind == "log":
        amount = 10**value
        if math.isnan(median):
            return f"{feature.label} {_num(amount)} 万元，同类部门无可比数据"
        peer = 10**median
        if close:
            return f"{feature.label} {_num(amount)} 万元，同类部门中位数 {_num(peer)} 万元"
        relation = (
            f"为同类部门中位数 {_num(peer)} 万元的 {_times(amount / peer)} 倍"
            if amount >= peer
            else f"仅为同类部门中位数 {_num(peer)} 万元的 1/{_times(peer / amount)}"
        )
        return f"{feature.label} {_num(amount)} 万元，{relation}"
    unit = "%" if feature.unit == "%" else " 个"
    shown = _count if feature.kind == "count" else _num
    if close:
        return f"{feature.label} {shown(value)}{unit}，同类部门中位数 {shown(median)}{unit}"
    return f"{feature.label} {shown(value)}{unit}，{_compare(value, median, unit, shown)}"


def check_reason(n_errors: int, n_warnings: int) -> str:
    """The reason a filing's failed checks give, in Chinese."""
    parts = [f"{n_errors} 项错误"] if n_errors else []
    parts += [f"{n_warnings} 项警告"] if n_warnings else []
    return f"一致性检查未通过 {'、'.join(parts)}（见检查明细）"


@dataclass(frozen=True)
class TopicReason:
    """One reason a filing stands out: a topic and the features it names."""

    topic: str
    features: tuple[
        int, ...
    ]  # indexes into SCORED: the topic's headline feature first, then its largest other deviations


@lru_cache(maxsize=8)
def _topics(features: tuple[Feature, ...]) -> dict[str, list[int]]:
    topics: dict[str, list[int]] = {}
    for j, f in enumerate(features):
        topics.setdefault(f.topic, []).append(j)  # declaration order: the headline feature comes first
    return topics


def reason_evidence(
    z: np.ndarray, values: np.ndarray, settings: ScoringSettings, features: Sequence[Feature] = SCORED
) -> np.ndarray:
    """|z| per filing and feature as the reasons weigh it: a change that only echoes the total's change counts 0.

    A department that grew fourfold grew in every part: when the total's change deviates, a part's
    change within echo_share of it says nothing new.
    """
    evidence = np.abs(z)
    names = [f.name for f in features]
    if "total_change_pct" not in names:
        return evidence
    t = names.index("total_change_pct")
    total = values[:, t]
    with np.errstate(invalid="ignore"):
        active = (evidence[:, t] >= settings.min_abs_z) & ~np.isnan(total)
        for j, f in enumerate(features):
            if f.kind == "change" and j != t:
                echo = (
                    active
                    & ~np.isnan(values[:, j])
                    & (np.abs(values[:, j] - total) <= settings.echo_share * np.abs(total))
                )
                evidence[echo, j] = 0.0
    return evidence


def select_reasons(
    evidence_row: np.ndarray, settings: ScoringSettings, features: Sequence[Feature] = SCORED, fallback: int = 0
) -> list[TopicReason]:
    """The topics worth a reason, most deviating first: a topic counts when one of its features has evidence ≥ min_abs_z.

    A topic's reason always states its headline feature (三公经费占支出合计比例 for 三公经费, the
    personnel ratio for 人员和公用经费 …), so a reviewer reads the familiar figure next to the peers'
    median, then up to `max_details` more of its features with evidence ≥ min_abs_z. `fallback`
    topics are given by largest evidence when none passes the threshold (a flagged filing always says why).
    """
    if not fallback and evidence_row.max(initial=0.0) < settings.min_abs_z:
        return []
    topics = _topics(tuple(features))
    strength = {topic: max(evidence_row[j] for j in members) for topic, members in topics.items()}
    ranked = sorted((t for t in strength if strength[t] > 0), key=lambda t: -strength[t])
    chosen = [t for t in ranked if strength[t] >= settings.min_abs_z][: settings.max_reasons] or ranked[:fallback]
    reasons = []
    for topic in chosen:
        headline, *others = topics[topic]
        details = sorted((j for j in others if evidence_row[j] >= settings.min_abs_z), key=lambda j: -evidence_row[j])
        reasons.append(TopicReason(topic, (headline, *details[: settings.max_details])))
    return reasons


# ---------------------------------------------------------------- scoring a features frame


def score_features(
    features: pl.DataFrame,
    settings: ScoringSettings | None = None,
    review_statuses: Mapping[str, str] | None = None,
    previously_flagged: Collection[str] | None = None,
) -> pl.DataFrame:
    """anomalies rows (as declared in schema.ANOMALIES) for a features frame (as declared in schema.FEATURES).

    review_statuses: filing_id → latest filing-level decision (dismissed filings are not flagged);
    previously_flagged: filing_ids flagged by the previous scoring (None: no previous scoring, all flags new).
    """
    settings = settings or load_scoring_settings()
    review_statuses = review_statuses or {}
    frame = assign_peer_groups(features.sort("filing_id"), settings)
    deviations = peer_deviations(frame)
    score = scores_by_kind(deviations.z, frame["doc_kind"].to_numpy(), settings)
    n_errors = frame["n_failed_errors"].fill_null(0).to_numpy().astype(int)
    n_warnings = frame["n_failed_warnings"].fill_null(0).to_numpy().astype(int)
    priority = review_priority(score, n_errors, n_warnings, settings)
    ids = frame["filing_id"].to_list()
    order = sorted(range(len(ids)), key=lambda k: (-priority[k], ids[k]))
    rank = np.empty(len(ids), dtype=int)
    rank[order] = np.arange(1, len(ids) + 1)
    dismissed = {fid for fid, status in review_statuses.items() if status == "dismissed"}
    flagged = flag_within_budget([ids[k] for k in order], review_budget(len(ids), settings), dismissed)
    yoy = frame["yoy_basis"].to_list()
    evidence = reason_evidence(deviations.z, deviations.values, settings)
    rows = []
    for k, row in enumerate(
        frame.select("filing_id", "region", "department", "year", "peer_group", "n_peer_group").iter_rows(named=True)
    ):
        z_row = deviations.z[k]
        is_flagged = row["filing_id"] in flagged
        chosen = select_reasons(
            evidence[k], settings, fallback=1 if is_flagged and not (n_errors[k] or n_warnings[k]) else 0
        )
        reasons = [
            "；".join(
                deviation_reason(SCORED[j], deviations.values[k, j], deviations.medians[k, j], yoy[k], z_row[j])
                for j in r.features
            )
            for r in chosen
        ]
        reason_features = [[SCORED[j].name for j in r.features] for r in chosen]
        if n_errors[k] or n_warnings[k]:
            reasons.append(check_reason(int(n_errors[k]), int(n_warnings[k])))
            reason_features.append(
                [name for name, n in (("n_failed_errors", n_errors[k]), ("n_failed_warnings", n_warnings[k])) if n]
            )
        top = np.argsort(-np.abs(z_row), kind="stable")[: settings.n_deviations]
        rows.append(
            {
                **row,
                "score": float(score[k]),
                "n_errors": int(n_errors[k]),
                "n_warnings": int(n_warnings[k]),
                "priority": float(priority[k]),
                "rank": int(rank[k]),
                "is_flagged": is_flagged,
                "is_new_flag": is_flagged
                and (previously_flagged is None or row["filing_id"] not in previously_flagged),
                "review_status": review_statuses.get(row["filing_id"]),
                "reasons": reasons,
                "reason_features": reason_features,
                "deviations": [
                    {
                        "feature": SCORED[j].name,
                        "value": _float(deviations.values[k, j]),
                        "peer_median": _float(deviations.medians[k, j]),
                        "robust_z": float(z_row[j]),
                    }
                    for j in top
                    if z_row[j] != 0
                ],
            }
        )
    return pl.from_arrow(rows_to_table(ANOMALIES, rows)).sort("rank")


def _float(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def score_filings(out_dir: Path, settings: ScoringSettings | None = None, store: Path | None = None) -> Path:
    """Score features.parquet of out_dir into anomalies.parquet (keeping which filings the previous scoring flagged)."""
    out_dir = Path(out_dir)
    features = read_table(FEATURES_DATASET, out_dir)
    if features is None:
        raise FileNotFoundError(f"{out_dir} 中没有 features.parquet：请先运行 budgetml features")
    statuses = filing_statuses(store or default_store_path())
    scored = score_features(pl.from_arrow(features), settings, statuses, previous_flags(out_dir))
    return write_table(ANOMALIES, scored.to_arrow().cast(ANOMALIES.arrow_schema()), out_dir)


def previous_flags(out_dir: Path) -> set[str] | None:
    """filing_ids the previous scoring of out_dir flagged (read before anomalies.parquet is overwritten); None when never scored."""
    path = dataset_path(out_dir, ANOMALIES)
    if not path.exists():
        return None
    previous = pl.read_parquet(path, glob=False, columns=["filing_id", "is_flagged"])
    return set(previous.filter(pl.col("is_flagged"))["filing_id"])
