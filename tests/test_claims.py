"""Narrative sentences → claims, on inline sentences in both real styles."""

from __future__ import annotations

from decimal import Decimal

from budgetml.checks.claims import narrative_to_claims


def claims_of(text: str, year: int | None = None):
    return narrative_to_claims([("五、一般公共预算支出安排情况", 7, text)], year)


def test_wuhan_item_with_change_and_percent():
    [claim] = claims_of(
        "1.科学技术支出（类）科学技术管理事务（款）行政运行（项）2025 年预算数 532.85 万元，比 2024 预算增加 88.2 万元，增长 19.8%，主要是劳务费调入。",
        2025,
    )
    assert claim.subject == "行政运行"
    assert claim.item_names == ("科学技术支出", "科学技术管理事务", "行政运行")
    assert (claim.amount, claim.delta, claim.percent, claim.compare_year) == (
        Decimal("532.85"),
        Decimal("88.2"),
        Decimal("19.8"),
        2024,
    )
    assert claim.page == 7


def test_decrease_is_negative():
    [claim] = claims_of(
        "6.社会保障和就业支出（类）行政事业单位养老支出（款）事业单位离退休（项）2025年预算数42.74万元，比2024预算减少4.2万元，下降10%。"
    )
    assert (claim.delta, claim.percent) == (Decimal("-4.2"), Decimal("-10"))


def test_names_with_their_own_parentheses():
    [claim] = claims_of(
        "1.一般公共服务支出（类）政府办公厅（室）及相关机构事务（款）行政运行（项）2024年预算数2844.13万元，比2023年预算减少96.58万元。",
        2024,
    )
    assert claim.item_names == ("一般公共服务支出", "政府办公厅(室)及相关机构事务", "行政运行")  # names folded (NFKC)


def test_shanghai_coded_item_with_stated_previous_figure():
    text = (
        "1、公共安全支出（204类）司法（06款）行政运行（01项）1672.67万元。主要用于：行政单位的基本支出。"
        "2025年当年预算执行数为1690.69万元，2026年预算安排1672.67万元，比2025年预算执行数减少1.07%。"
    )
    first, second = claims_of(text, 2026)
    assert first.code == second.code == "2040601" and second.subject == "行政运行"
    assert (second.prev_amount, second.percent, second.compare_basis) == (
        Decimal("1690.69"),
        Decimal("-1.07"),
        "预算执行数",
    )


def test_previous_year_budget_statement_depends_on_the_filing_year():
    text = "2023年预算数为555.39万元，2024年预算安排564.31万元，比2023年预算增加1.6%。"
    assert [c.amount for c in claims_of(text, 2024)] == [Decimal("564.31")]  # 555.39 is last year's figure
    assert claims_of(text, 2024)[0].prev_amount == Decimal("555.39")


def test_share_and_flat():
    claims = claims_of(
        "部门预算支出3,375.67万元。其中：基本支出2,326.25万元，占比68.9%；项目支出1,049.42万元，占比31.1%。因公出国(境)经费0万元，比2024年预算持平。"
    )
    assert [c.share_pct for c in claims[1:3]] == [Decimal("68.9"), Decimal("31.1")]
    assert claims[3].is_flat and claims[3].delta == 0


def test_comparison_amounts_are_not_claims_of_their_own():
    claims = claims_of("2025年部门收支总预算3,375.67万元，比2024年预算增加1,481.28万元，增长78.2%。")
    assert [c.amount for c in claims] == [Decimal("3375.67")]
