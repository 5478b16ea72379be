"""Benchmark: scoring N filings' features (peer groups → robust z → IsolationForest → priority → reasons) from features.parquet.

Usage: .venv/bin/python scripts/bench_scoring.py [--filings 10000] [--repeat 3] [--seed 7]

Synthetic feature rows stand in for a large corpus: departments of 20 types in districts over three
years, headline figures with realistic shapes (personnel 72–92 % of basic spending, project shares by
type, 三公 a few 万元, year-over-year changes mostly within ±30 %), and 5 % of the last year's filings
turned into one of the five statistical outliers of the sample corpus. The time is the wall clock of
detect.score_filings on a folder holding only features.parquet (read, score, write anomalies.parquet),
median of N rounds, with the process's CPU time (the machine is shared: wall time varies with load); it also prints how well the injected outliers rank (a sanity check, not the
corpus evaluation of `budgetml evaluate`).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from budgetml.datasets import rows_to_table, write_table
from budgetml.detect import score_filings
from budgetml.features import FEATURES
from budgetml.layout import dataset_path
from budgetml.schema import FEATURES as FEATURES_DATASET

# (type, project share range): what is normal differs by what a department does.
TYPES = (
    ("教育", 0.15, 0.35),
    ("卫生健康", 0.3, 0.6),
    ("民政", 0.5, 0.8),
    ("司法", 0.35, 0.75),
    ("财政", 0.3, 0.6),
    ("审计", 0.15, 0.35),
    ("统计", 0.1, 0.35),
    ("文化和旅游", 0.35, 0.65),
    ("城市管理", 0.45, 0.8),
    ("人力资源和社会保障", 0.3, 0.6),
    ("退役军人事务", 0.5, 0.8),
    ("市场监督管理", 0.2, 0.45),
    ("科技和经济信息化", 0.3, 0.6),
    ("应急管理", 0.3, 0.6),
    ("发展和改革", 0.2, 0.5),
    ("商务", 0.35, 0.65),
    ("体育", 0.35, 0.6),
    ("街道乡镇", 0.35, 0.65),
    ("住房和城乡建设", 0.4, 0.7),
    ("水务", 0.4, 0.75),
)
OUTLIERS = (
    "extreme_sangong_share",
    "extreme_personnel_ratio",
    "extreme_project_share",
    "jump_300pct",
    "no_performance_indicators",
)
# The feature each injected outlier must be explained by.
INJECTED_FEATURE = {
    "extreme_sangong_share": "sangong_share_pct",
    "extreme_personnel_ratio": "personnel_share_of_basic_pct",
    "extreme_project_share": "project_share_pct",
    "jump_300pct": "total_change_pct",
    "no_performance_indicators": "n_indicators",
}


def synthetic_features(n_filings: int, seed: int, outlier_share: float = 0.05) -> tuple[pl.DataFrame, dict[str, str]]:
    """Feature rows (the features.parquet schema) for about n_filings filings, and filing_id → injected outlier kind."""
    rng = np.random.default_rng(seed)
    years = (2023, 2024, 2025)
    n_departments = max(1, n_filings // len(years))
    type_index = rng.integers(0, len(TYPES), n_departments)
    size = 10 ** rng.uniform(2.7, 4.7, n_departments)  # 500–50,000 万元
    low = np.array([TYPES[t][1] for t in type_index])
    high = np.array([TYPES[t][2] for t in type_index])
    project_share = rng.uniform(low, high)
    personnel_ratio = rng.uniform(0.72, 0.92, n_departments)
    sangong = rng.uniform(2.0, 15.0, n_departments)
    n_projects = rng.integers(2, 12, n_departments)
    rows, labels = [], {}
    previous: dict[int, dict] = {}
    for y, year in enumerate(years):
        growth = 1 + np.clip(rng.normal(0.03, 0.08, n_departments), -0.3, 0.3)
        size = size * (growth if y else 1)
        share = np.clip(project_share + rng.normal(0, 0.02, n_departments), 0.02, 0.95)
        ratio = np.clip(personnel_ratio + rng.normal(0, 0.01, n_departments), 0.6, 0.97)
        s = sangong * rng.uniform(0.88, 1.12, n_departments)
        for d in range(n_departments):
            total, proj, r, sg = size[d], size[d] * share[d], ratio[d], s[d]
            n_ind = int(rng.integers(8, 14)) * (int(n_projects[d]) + 1)
            kind = None
            if year == years[-1] and rng.random() < outlier_share:
                kind = OUTLIERS[rng.integers(0, len(OUTLIERS))]
            if kind == "extreme_sangong_share":
                sg = max(sg * rng.uniform(10, 20), total * rng.uniform(0.015, 0.04))
            elif kind == "extreme_project_share":
                extreme = rng.uniform(0.003, 0.015) if (low[d] + high[d]) / 2 >= 0.4 else rng.uniform(0.9, 0.95)
                proj = (total - proj) * extreme / (1 - extreme)
                total = total - size[d] * share[d] + proj
            elif kind == "jump_300pct":
                target = previous[d]["total"] * rng.uniform(3.95, 4.3)
                proj, total = proj + target - total, target
            basic = total - proj
            personnel = basic * r
            if kind == "extreme_personnel_ratio":
                r = rng.uniform(0.38, 0.5)
                basic = personnel / r
                total = basic + proj
            public = basic - personnel
            if kind == "no_performance_indicators":
                n_ind = 0
            figures = {"total": total, "basic": basic, "project": proj, "personnel": personnel, "sangong": sg}
            prev = previous.get(d)
            filing_id = f"{seed:04d}{year}{d:08d}".ljust(64, "0")
            row = {
                "filing_id": filing_id,
                "region": f"区{d % 6}",
                "department": f"部门{d}",
                "department_type": TYPES[type_index[d]][0],
                "year": year,
                "prev_filing_id": prev["filing_id"] if prev else None,
                "yoy_basis": "previous_filing" if prev else None,
                "sangong_share_pct": 100 * sg / total,
                "sangong_public_pct": 100 * sg / public,
                "overseas_sangong_pct": 0.0,
                "vehicle_sangong_pct": 70.0 + rng.normal(0, 8),
                "reception_sangong_pct": 30.0 + rng.normal(0, 8),
                "personnel_share_of_basic_pct": 100 * personnel / basic,
                "personnel_share_pct": 100 * personnel / total,
                "public_share_pct": 100 * public / total,
                "project_share_pct": 100 * proj / total,
                **{
                    f"{k}_change_pct": (100 * (figures[k] - prev[k]) / prev[k] if prev else None)
                    for k in ("total", "basic", "project", "personnel", "sangong")
                },
                "n_performance_tables": (int(n_projects[d]) + 1) if n_ind else 0,
                "n_indicators": n_ind,
                "indicators_per_project": n_ind / (int(n_projects[d]) + 1) if n_ind else None,
                "quantity_indicator_pct": 30.0 if n_ind else None,
                "quality_indicator_pct": 25.0 if n_ind else None,
                "timeliness_indicator_pct": 15.0 if n_ind else None,
                "cost_indicator_pct": 10.0 if n_ind else None,
                "benefit_indicator_pct": 12.0 if n_ind else None,
                "satisfaction_indicator_pct": 8.0 if n_ind else None,
                "qualitative_target_pct": float(rng.uniform(10, 35)) if n_ind else None,
                "size_log10_wan": float(np.log10(total)),
                "n_units": int(rng.integers(1, 6)),
                "n_projects": int(n_projects[d]),
                "n_failed_errors": 0,
                "n_failed_warnings": 0,
            }
            rows.append(row)
            if kind:
                labels[filing_id] = kind
            previous[d] = {"filing_id": filing_id, **figures}
    return pl.DataFrame(rows, infer_schema_length=None), labels


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(positive, scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--filings", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    frame, labels = synthetic_features(args.filings, args.seed)
    declared = {f.name for f in FEATURES}
    missing = declared - set(frame.columns)
    if missing:
        raise SystemExit(f"synthetic rows lack features {sorted(missing)}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        write_table(FEATURES_DATASET, rows_to_table(FEATURES_DATASET, frame.to_dicts()), out)
        store = out / "decisions.sqlite"
        timings, cpu = [], []
        for _ in range(args.repeat):
            dataset_path(out, "anomalies").unlink(missing_ok=True)
            start, start_cpu = time.perf_counter(), time.process_time()
            path = score_filings(out, store=store)
            timings.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        anomalies = pl.read_parquet(path)
    print(
        f"{frame.height} filings, {len(labels)} injected outliers; scoring (read features → peer groups → robust z → "
        f"IsolationForest → priority → reasons → write): median {statistics.median(timings):.2f} s wall "
        f"({', '.join(f'{t:.2f}' for t in timings)}), {statistics.median(cpu):.2f} s CPU, of {args.repeat} rounds"
    )
    positive = anomalies["filing_id"].is_in(list(labels)).to_numpy()
    k = len(labels)
    top = anomalies.sort("score", descending=True).head(k)
    named = sum(
        1
        for r in anomalies.filter(pl.col("filing_id").is_in(list(labels))).iter_rows(named=True)
        if INJECTED_FEATURE[labels[r["filing_id"]]] in {names[0] for names in r["reason_features"]}
    )
    print(
        f"sanity: outlier ROC AUC {roc_auc(anomalies['score'].to_numpy(), positive):.3f}, precision@{k} "
        f"{top['filing_id'].is_in(list(labels)).sum() / max(k, 1):.3f}, reasons name the injected feature for {named}/{k}"
    )


if __name__ == "__main__":
    main()
