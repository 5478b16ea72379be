"""Scoring: peer groups, determinism, the injected feature named in the reasons, review priority and budget."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from budgetml import detect
from budgetml.detect import ScoringSettings, deviation_reason, load_scoring_settings, review_budget, score_features
from budgetml.feature_declarations import FEATURES_BY_NAME
from budgetml.features import build_features
from tests.budgetdata import fid, peer_corpus, write_output

SETTINGS = load_scoring_settings()


def features_of(tmp_path: Path, filings: list[dict]) -> pl.DataFrame:
    out = write_output(tmp_path / "out", filings)
    return pl.read_parquet(build_features(out))


def with_outlier(kind: str) -> tuple[list[dict], str]:
    """24 ordinary 教育局 over 2024–2025 and one of them made an outlier of `kind` in 2025."""
    rows = peer_corpus()
    target = fid("7-2025")
    r = next(r for r in rows if r["filing_id"] == target)
    if kind == "extreme_sangong_share":
        r["sangong_total"] = round(r["total_expenditure"] * 0.03, 2)
    elif kind == "extreme_personnel_ratio":
        r["personnel_expenditure"] = round(r["basic_expenditure"] * 0.42, 2)
        r["public_expenditure"] = round(r["basic_expenditure"] - r["personnel_expenditure"], 2)
    elif kind == "extreme_project_share":
        r["project_expenditure"] = round(r["basic_expenditure"] * 19, 2)
        r["total_expenditure"] = r["total_income"] = r["basic_expenditure"] + r["project_expenditure"]
    elif kind == "jump_300pct":
        for key in (
            "total_expenditure",
            "basic_expenditure",
            "project_expenditure",
            "personnel_expenditure",
            "public_expenditure",
        ):
            r[key] = round(r[key] * 4, 2)
        r["total_income"] = r["total_expenditure"]
    return rows, target


@pytest.mark.parametrize(
    ("kind", "feature", "words"),
    [
        ("extreme_sangong_share", "sangong_share_pct", "三公经费占支出合计比例"),
        ("extreme_personnel_ratio", "personnel_share_of_basic_pct", "人员经费占基本支出比例"),
        ("extreme_project_share", "project_share_pct", "项目支出占支出合计比例"),
        ("jump_300pct", "total_change_pct", "支出合计比上年增长 311.9%，同类部门中位数 +3.0%"),
    ],
)
def test_injected_outlier_ranks_first_and_its_reason_names_the_feature(tmp_path, kind, feature, words):
    rows, target = with_outlier(kind)
    scored = score_features(features_of(tmp_path, rows), SETTINGS)
    top = scored.row(0, named=True)
    assert top["filing_id"] == target and top["rank"] == 1 and top["is_flagged"]
    assert top["score"] == scored["score"].max()
    assert top["reason_features"][0][0] == feature
    assert words in top["reasons"][0]
    assert top["peer_group"] == "2025年 教育" and top["n_peer_group"] == 24


def test_missing_performance_indicators_among_peers_that_have_them(tmp_path):
    frame = features_of(tmp_path, peer_corpus())
    frame = frame.with_columns(
        n_indicators=(60 + pl.int_range(pl.len()) % 7 * 3).cast(pl.Int32),
        n_performance_tables=pl.lit(5, pl.Int32),
    )
    target = fid("3-2025")
    frame = frame.with_columns(
        n_indicators=pl.when(pl.col("filing_id") == target).then(0).otherwise(pl.col("n_indicators")).cast(pl.Int32),
        n_performance_tables=pl.when(pl.col("filing_id") == target)
        .then(0)
        .otherwise(pl.col("n_performance_tables"))
        .cast(pl.Int32),
    )
    top = score_features(frame, SETTINGS).row(0, named=True)
    assert top["filing_id"] == target
    assert top["reason_features"][0][:2] == ["n_indicators", "n_performance_tables"]
    assert top["reasons"][0].startswith("绩效指标数 0 个，低于同类部门中位数")


def test_scoring_is_deterministic_and_independent_of_row_order(tmp_path):
    rows, _ = with_outlier("extreme_sangong_share")
    frame = features_of(tmp_path, rows)
    first = score_features(frame, SETTINGS)
    again = score_features(frame.sample(fraction=1.0, shuffle=True, seed=3), SETTINGS)
    assert first.equals(again)
    other_seed = score_features(frame, replace(SETTINGS, random_state=SETTINGS.random_state + 1))
    assert not first["score"].equals(other_seed["score"])  # the seed is what fixes the forest


def test_peer_groups_fall_back_from_year_and_type_to_type_to_year():
    frame = pl.DataFrame(
        {
            "filing_id": [f"f{k}" for k in range(14)],
            "year": [2025] * 6 + [2024] * 2 + [2025] * 6,
            "department_type": ["教育"] * 6 + ["民政"] * 2 + ["民政"] * 3 + ["其他"] * 3,
            "doc_kind": ["budget"] * 14,
        }
    )
    grouped = (
        detect.assign_peer_groups(frame, ScoringSettings(min_group_size=5)).select("peer_group", "n_peer_group").rows()
    )
    assert grouped[0] == ("2025年 教育", 6)
    assert grouped[6] == ("民政（2024–2025年）", 5)  # 2 + 3 民政 over both years
    assert grouped[11] == ("2025年 全部", 12)  # 其他 is not a type to compare within
    year_only = detect.assign_peer_groups(frame, ScoringSettings(min_group_size=5, levels=("year_type", "year")))
    assert year_only["peer_group"][6] == "2024年 全部"


def test_review_budget_and_dismissed_filings(tmp_path):
    assert review_budget(0, SETTINGS) == 0
    assert review_budget(5, replace(SETTINGS, max_flags=20, max_flag_share=0.1)) == 1
    assert review_budget(1000, replace(SETTINGS, max_flags=20, max_flag_share=0.1)) == 20
    rows, target = with_outlier("extreme_sangong_share")
    frame = features_of(tmp_path, rows)
    settings = replace(SETTINGS, max_flags=3, max_flag_share=1.0)
    scored = score_features(frame, settings)
    assert scored["is_flagged"].sum() == 3 and scored.filter(pl.col("is_flagged"))["rank"].to_list() == [1, 2, 3]
    dismissed = score_features(frame, settings, review_statuses={target: "dismissed"})
    row = dismissed.filter(pl.col("filing_id") == target).row(0, named=True)
    assert row["rank"] == 1 and not row["is_flagged"] and row["review_status"] == "dismissed"
    assert dismissed.filter(pl.col("is_flagged"))["rank"].to_list() == [2, 3, 4]


def test_failed_checks_raise_the_priority_not_the_score(tmp_path):
    frame = features_of(tmp_path, peer_corpus(12, (2025,)))
    plain = score_features(frame, SETTINGS)
    last = plain.row(-1, named=True)
    with_errors = score_features(
        frame.with_columns(
            n_failed_errors=pl.when(pl.col("filing_id") == last["filing_id"]).then(5).otherwise(0).cast(pl.Int32)
        ),
        SETTINGS,
    )
    row = with_errors.filter(pl.col("filing_id") == last["filing_id"]).row(0, named=True)
    assert row["score"] == pytest.approx(last["score"])
    assert row["priority"] == pytest.approx(last["score"] + SETTINGS.error_weight * SETTINGS.max_errors_counted)
    assert row["rank"] == 1 and row["n_errors"] == 5
    assert row["reasons"][-1] == "一致性检查未通过 5 项错误（见检查明细）" and row["reason_features"][-1] == [
        "n_failed_errors"
    ]


def test_reason_texts_name_the_numbers():
    f = FEATURES_BY_NAME
    assert (
        deviation_reason(f["sangong_share_pct"], 0.9, 0.075)
        == "三公经费占支出合计比例 0.90%，为同类部门中位数 0.07% 的 12 倍"
    )
    assert (
        deviation_reason(f["personnel_share_of_basic_pct"], 42.0, 82.5)
        == "人员经费占基本支出比例 42.0%，低于同类部门中位数 82.5%（相差 40.5 个百分点）"
    )
    assert (
        deviation_reason(f["total_change_pct"], 300.0, 3.1, "narrative")
        == "支出合计比上年增长 300.0%（上年数取自说明），同类部门中位数 +3.1%"
    )
    assert deviation_reason(f["n_indicators"], 0, 60) == "绩效指标数 0 个，低于同类部门中位数 60 个"
    assert (
        deviation_reason(f["size_log10_wan"], 4.0, 3.0) == "支出规模 10,000 万元，为同类部门中位数 1,000 万元的 10 倍"
    )
    assert deviation_reason(f["sangong_share_pct"], 980.0, 0.11).endswith(
        "为同类部门中位数 0.11% 的 8909 倍（疑似金额单位错误）"
    )
    assert (
        deviation_reason(f["project_share_pct"], 21.0, 20.9, z=0.2)
        == "项目支出占支出合计比例 21.0%，同类部门中位数 20.9%"
    )


def test_scoring_settings_file():
    settings = load_scoring_settings()
    assert settings.levels[-1] == "year" and settings.random_state == ScoringSettings().random_state
    bad = Path(detect.__file__).parent.parent / "configs" / "scoring.toml"
    text = bad.read_text(encoding="utf-8")
    assert text.count("#") >= len([k for k in vars(settings)])  # every knob has its reason


def test_unknown_setting_is_refused(tmp_path):
    path = tmp_path / "scoring.toml"
    path.write_text("[review_budget]\nmax_flagz = 3\n", encoding="utf-8")
    with pytest.raises(detect.ScoringConfigError, match="max_flagz"):
        load_scoring_settings(path)
