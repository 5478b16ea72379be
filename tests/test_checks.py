"""The consistency rulebook: the seed filing's real inconsistencies are found, and nothing else."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from budgetml.checks.registry import IMPLEMENTATIONS, SEVERITIES, load_rules, load_shared_messages
from budgetml.checks.rulebook import FAMILIES, rules_markdown
from budgetml.layout import dataset_path
from tests.presentations import SEED_KNOBS, seed_with_knobs

REPO = Path(__file__).resolve().parent.parent

# The real inconsistencies of the seed filing (issue 4), as (rule_id, words the message must contain).
EXPECTED_SEED_FINDINGS = [
    ("perf.shares", "人员类项目支出 2133.39 万元占合计 3375.67 万元，应为 63.20%，填列 61.2%"),
    ("perf.shares", "占比之和为 98.00%"),
    ("perf.composition", "填列 2225.92 万元，各项 1803.43 + 109.08 + 332 = 2244.51 万元"),
    ("perf.composition", "填列 1272.07 万元，各项 1569.14 + 110.26 + 215 = 1894.40 万元"),
    ("narrative.change", "事业单位离退休 42.74 万元，比上年减少 4.2 万元，应为 -8.95%，填列 -10%"),
    ("narrative.change", "事业单位医疗 28.12 万元，比上年减少 12.52 万元，应为 -30.81%，填列 -80.3%"),
    ("narrative.procurement", "917.17 万元，货物、工程、服务 5.5+0+912.17 = 917.67 万元"),
    ("narrative.change", "政府采购预算支出 917.17 万元，比上年增加 896.17 万元，应为 4267.48%，填列 326.7%"),
    ("perf.cost_target", "年度成本控制目标 ≤1595.4 万元，项目当年预算 910.02 万元"),
    ("perf.funding_sources", "910.02 + 30 = 940.02 万元"),
    ("units.consistent", "110000"),
]


@pytest.fixture(scope="module")
def seed_checks(seed_checked):
    return pl.read_parquet(dataset_path(seed_checked, "checks"))


def test_seed_findings_are_exactly_the_real_inconsistencies(seed_checks):
    failed = seed_checks.filter(pl.col("is_passed").not_())
    found = list(zip(failed["rule_id"], failed["message"]))
    for rule_id, words in EXPECTED_SEED_FINDINGS:
        assert any(r == rule_id and words in m for r, m in found), (rule_id, words, found)
    assert len(found) == len(EXPECTED_SEED_FINDINGS), found


def test_severities(seed_checks):
    failed = seed_checks.filter(pl.col("is_passed").not_())
    assert failed.filter(pl.col("severity") == "warning")["rule_id"].to_list() == ["units.consistent"]
    assert failed.filter(pl.col("severity") == "error").height == len(EXPECTED_SEED_FINDINGS) - 1


def test_rounding_of_a_cent_is_not_a_finding(seed_checks):
    # 表6 工资福利支出: its items add to 1255.02 against a printed 1255.03.
    row = seed_checks.filter(pl.col("rule_id") == "table.hierarchy", pl.col("subject") == "301 工资福利支出（合计）")
    assert row.height == 1 and row["is_passed"][0] is True
    assert row["actual"][0] == pytest.approx(1255.03) and row["expected"][0] == pytest.approx(1255.02)


def test_findings_carry_page_evidence(seed_checks):
    failed = seed_checks.filter(pl.col("is_passed").not_())
    for pages, bboxes in zip(failed["pages"].to_list(), failed["bboxes"].to_list()):
        assert pages and all(p >= 1 for p in pages)
        assert len(bboxes) == len(pages)
    table_finding = seed_checks.filter(pl.col("rule_id") == "perf.funding_sources", pl.col("is_passed").not_())
    assert all(b is not None for b in table_finding["bboxes"].to_list()[0])


def test_rules_that_ran_on_the_seed(seed_checks):
    ran = set(seed_checks.filter(pl.col("is_passed").is_not_null())["rule_id"])
    for rule_id in [
        "summary.balance",
        "table.total_row",
        "table.hierarchy",
        "table.basic_plus_project",
        "table.personnel_plus_public",
        "sangong.components",
        "cross.totals",
        "cross.fiscal_grant",
        "cross.function_vs_expenditure",
        "cross.economic_vs_function",
        "cross.sangong_vs_economic",
        "cross.projects_total",
        "narrative.amount",
        "narrative.share",
        "completeness.required_tables",
        "completeness.empty_table_note",
        "perf.activities",
    ]:
        assert rule_id in ran, rule_id


def test_claims_dataset(seed_checked):
    claims = pl.read_parquet(dataset_path(seed_checked, "claims"))
    row = claims.filter(pl.col("subject") == "事业单位离退休")
    assert (
        row["amount"][0] == Decimal("42.74")
        and row["delta"][0] == Decimal("-4.2")
        and row["change_pct"][0] == Decimal("-10")
    )
    assert (row["amount_yuan"][0], row["delta_yuan"][0]) == (Decimal("427400"), Decimal("-42000"))
    assert row["item_names"][0].to_list() == ["社会保障和就业支出", "行政事业单位养老支出", "事业单位离退休"]
    assert row["page"][0] > 40


def test_every_rule_is_implemented_and_documented():
    rules = load_rules()
    ids = [r.rule_id for r in rules]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(IMPLEMENTATIONS)
    for r in rules:
        assert r.severity in SEVERITIES
        assert r.title and len(r.description) > 30, f"{r.rule_id} lacks documentation"
    assert (REPO / "docs" / "rules.md").read_text(encoding="utf-8") == rules_markdown(), (
        "docs/rules.md is stale: run `budgetml docs`"
    )


def test_each_rule_lives_in_one_family_module():
    families = {family.__name__ for family in FAMILIES}
    for rule_id, fn in IMPLEMENTATIONS.items():
        assert fn.__module__ in families, f"{rule_id} is implemented outside the families: {fn.__module__}"


def test_every_message_template_is_used_by_the_code():
    """A template in configs/rules.toml that no code names is dead text (or a typo in a key)."""
    sources = "".join(
        (REPO / "budgetml" / "checks" / f"{name}.py").read_text(encoding="utf-8")
        for name in (
            "compare",
            "registry",
            "rulebook",
            "inputs",
            *(family.__name__.rsplit(".", 1)[1] for family in FAMILIES),
        )
    )
    keys = set(load_shared_messages()) | {key for r in load_rules() for key in r.messages}
    unused = {key for key in keys if f'"{key}"' not in sources}
    assert not unused, unused


@pytest.mark.slow
@pytest.mark.parametrize("knobs", SEED_KNOBS)
def test_seed_findings_do_not_change_with_presentation(knobs, tmp_path):
    """The seed rendered with the fuzzer's presentation knobs gets exactly the seed's findings (~10 s each)."""
    from budgetml.checks.rulebook import check_output
    from budgetml.parse import parse_to_datasets

    pdf = seed_with_knobs(knobs, tmp_path / "seed.pdf")
    parse_to_datasets([pdf], tmp_path / "out")
    check_output(tmp_path / "out")
    checks = pl.read_parquet(dataset_path(tmp_path / "out", "checks"))
    failed = checks.filter(pl.col("is_passed").not_())
    found = list(zip(failed["rule_id"], failed["message"]))
    for rule_id, words in EXPECTED_SEED_FINDINGS:
        assert any(r == rule_id and words in m for r, m in found), (rule_id, words, found)
    assert len(found) == len(EXPECTED_SEED_FINDINGS), found
