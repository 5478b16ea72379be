"""部门决算 support beyond the rules' hand-built cases: 决算 claim wording, rules by document kind, the 预算–决算 link,
execution rows and features, peer groups by kind, and generated 决算 through parse and checks (each injection caught)."""

from __future__ import annotations

import dataclasses
import random
import re
from decimal import Decimal

import polars as pl
import pytest

from budgetml.catalog import load_catalog
from budgetml.checks.claims import narrative_to_claims
from budgetml.checks.execution import execution_items, execution_rows
from budgetml.checks.registry import IMPLEMENTATIONS, load_rules
from budgetml.checks.rulebook import check_output, run_rules
from budgetml.datasets import rows_to_table
from budgetml.detect import ScoringSettings, assign_peer_groups, deviation_reason
from budgetml.feature_declarations import FEATURES_BY_NAME
from budgetml.identity import FilingRef, budgets_of_final_accounts, previous_filings
from budgetml.layout import dataset_path
from budgetml.parse import filing_row, parse_file, parse_to_datasets
from budgetml.schema import BUDGET_EXECUTION
from budgetml.synth.config import load_sample_config
from budgetml.synth.final_account import FINAL_INCONSISTENCY_KINDS, final_series, load_final_settings
from budgetml.synth.final_corpus import plan_final_injections
from budgetml.synth.final_inconsistencies import inject_final_inconsistency
from budgetml.synth.final_template import TITLES, build_final, write_final_pdf
from budgetml.synth.sample import (
    build_departments,
    derive_numbers,
    select_department_types,
    select_districts,
    simulate,
)
from tests.final_account_cases import EXECUTION, amount, final_filing

CATALOG = load_catalog()


def claims(text: str, doc_kind: str | None = "final_account"):
    return narrative_to_claims([("五、一般公共预算财政拨款支出决算情况说明", 3, text)], 2024, doc_kind)


# ---------------------------------------------------------------- claims in 决算 wording


def test_execution_statement_gives_the_spent_amount_its_budget_completion_and_item():
    text = (
        "一般公共预算财政拨款支出年初预算为2993.92万元，支出决算为2940.05万元，完成年初预算的98.20%。"
        "决算数小于预算数的主要原因：调减。其中：\n"
        "1、一般公共服务支出（类）财政事务（款）行政运行（项）。主要用于：基本支出。年初预算为 1560.05 万元，"
        "支出决算为1511.89万元。决算数小于预算数的主要原因：人员变动。"
    )
    total, item = claims(text)  # the 年初预算 amounts are part of their statements, not claims of their own
    assert (total.subject, total.amount, total.initial_budget, total.completion_pct, total.budget_relation) == (
        "一般公共预算财政拨款支出",
        Decimal("2940.05"),
        Decimal("2993.92"),
        Decimal("98.20"),
        "less",
    )
    assert item.item_names == ("一般公共服务支出", "财政事务", "行政运行") and item.initial_budget == Decimal("1560.05")
    assert item.completion_pct is None and item.budget_relation == "less"
    budget_wording = claims(text, doc_kind="budget")
    assert len(budget_wording) == 4 and all(c.initial_budget is None for c in budget_wording)


def test_changes_on_last_year_attach_to_their_total_and_the_change_is_no_claim():
    text = (
        "上海市普陀区财政局2024年度收入支出总计2995.39万元。与2023年度相比，收入支出总计减少56.95万元，下降1.87%。\n"
        "机关运行经费支出184.65万元，比2023年度增加2.55万元，增长1.40%。\n"
        "“三公”经费财政拨款支出决算数比2023年度减少0.15万元，下降27.78%。"
    )
    total, admin = claims(text)
    assert (total.subject, total.compare_year, total.delta, total.percent) == (
        "收入支出总计",
        2023,
        Decimal("-56.95"),
        Decimal("-1.87"),
    )
    assert (admin.delta, admin.percent) == (Decimal("2.55"), Decimal("1.40"))


def test_a_share_is_of_the_total_it_names_else_of_the_amount_its_sentence_opens_with():
    text = (
        "一般公共预算财政拨款支出2940.05万元，占本年支出合计的100.00%。\n"
        "本年收入合计2946.25万元，其中：财政拨款收入2940.05万元，占99.79%；其他收入6.2万元，占0.21%。"
    )
    named, total, fiscal, other = claims(text)
    assert (named.share_pct, named.share_of) == (Decimal("100.00"), "本年支出合计")
    assert total.share_of is None and (fiscal.share_of, other.share_of) == ("本年收入", "本年收入")


# ---------------------------------------------------------------- rules, templates and links by document kind


def test_rules_run_on_the_documents_they_read():
    rules = load_rules()
    final = {r.rule_id for r, _ in run_rules(final_filing(), rules)}
    budget = {r.rule_id for r, _ in run_rules(final_filing(doc_kind="budget"), rules)}
    assert "cross.totals" in budget and "cross.totals" not in final  # a budget rule that always says something
    assert "completeness.required_tables" in final and not any(r.startswith("final.") for r in budget)
    assert {r.rule_id for r in rules if r.applies_to("final_account")} >= {"final.year", "table.hierarchy"}
    assert all(r.applies_to(None) == r.applies_to("budget") for r in rules)


def test_templates_are_chosen_among_the_filings_kind():
    final_ids = list(TITLES)
    assert CATALOG.best_template(final_ids[:5], "final_account").doc_kind == "final_account"
    assert CATALOG.best_template(final_ids, "budget").doc_kind == "budget"  # never a template of the other kind
    assert CATALOG.best_template(["expenditure_summary"], "annual_report") is None
    [finding] = IMPLEMENTATIONS["completeness.required_tables"](final_filing(doc_kind="annual_report"))
    assert finding.passed is None and "没有该类文件（annual_report）的模板" in finding.message


def test_a_final_account_is_linked_to_its_departments_budget_of_the_year_and_to_last_years_final_account():
    refs = [
        FilingRef("b23", "ok", "武昌区", "武昌区经济和信息化局", 2023, "budget"),
        FilingRef("b24", "ok", "武昌区", "武昌区经济信息化和科技创新局", 2024, "budget"),
        FilingRef("f23", "ok", "武昌区", "武昌区经济和信息化局", 2023, "final_account"),
        FilingRef("f24", "ok", "武昌区", "武昌区经济信息化和科技创新局（武昌区数据局）", 2024, "final_account"),
        FilingRef("f24x", "failed", "武昌区", "武昌区经济信息化和科技创新局", 2024, "final_account"),
    ]
    assert budgets_of_final_accounts(refs) == {"f23": "b23", "f24": "b24"}  # renamed department, one key
    assert previous_filings(refs) == {"b24": "b23", "f24": "f23"}  # each compared with its own kind


# ---------------------------------------------------------------- execution rows and features


def linked_pair(published: str = "110.00"):
    budget = final_filing(
        [
            amount("general_budget_by_function", "total", published, "合计", row=9),
            amount("general_budget_by_function", "total", "60.00", "行政运行", "2010101", row=2),
            amount("sangong", "sangong_total", "5.00"),
        ],
        doc_kind="budget",
    )
    return final_filing(
        [
            amount("final_general_budget_by_function", "total", "98.00", "合计", row=9),
            amount("final_general_budget_by_function", "total", "58.00", "行政运行", "2010101", row=2),
            amount("final_sangong", "sangong_total_budget", "5.00"),
            amount("final_sangong", "sangong_total", "2.50"),
        ],
        narrative=EXECUTION.format(pct="98.00", relation="小于"),
        budget=replace_id(budget, "b" * 64),
    )


def replace_id(f, filing_id):
    f.filing_id = filing_id
    return f


def test_execution_items_join_the_published_budget_the_printed_one_and_what_was_spent():
    items = {(i.item, i.code): i for i in execution_items(linked_pair())}
    general = items[("general_budget_expenditure", None)]
    assert (general.budget.yuan, general.printed_budget.yuan, general.final.yuan) == (
        Decimal(1_100_000),
        Decimal(1_000_000),
        Decimal(980_000),
    )
    assert general.rate_pct == Decimal(98)  # divided by the 年初预算 the 决算 prints
    running = items[("function", "2010101")]
    assert running.printed_budget is None and running.rate_pct == Decimal(58) / Decimal(60) * 100
    sangong = items[("sangong_total", None)]
    assert sangong.rate_pct == Decimal(50)
    rows = execution_rows(linked_pair())
    table = rows_to_table(BUDGET_EXECUTION, rows)  # the declaration holds
    general_row = next(r for r in table.to_pylist() if r["item"] == "general_budget_expenditure")
    assert (general_row["rate_basis"], general_row["is_printed_budget_consistent"]) == ("printed", False)
    assert general_row["budget_filing_id"] == "b" * 64


def test_peer_groups_keep_budgets_and_final_accounts_apart():
    frame = pl.DataFrame(
        {
            "filing_id": [f"f{k}" for k in range(10)],
            "year": [2024] * 10,
            "department_type": ["教育"] * 10,
            "doc_kind": ["budget"] * 5 + ["final_account"] * 5,
        }
    )
    groups = assign_peer_groups(frame, ScoringSettings(min_group_size=5))
    assert groups["peer_group"].to_list() == ["2024年 教育"] * 5 + ["2024年 决算 教育"] * 5
    assert set(groups["n_peer_group"].to_list()) == {5}


def test_the_execution_reason_names_the_rate_and_the_peers_median():
    reason = deviation_reason(FEATURES_BY_NAME["execution_total_pct"], 61.3, 97.8)
    assert reason == "支出决算为年初预算的 61.3%，同类部门中位数 97.8%"


# ---------------------------------------------------------------- generated 决算 through parse and checks


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """One Shanghai and one Wuhan department: their 2024 决算, clean and with each injection, parsed and checked."""
    config, settings = load_sample_config(), load_final_settings()
    out = tmp_path_factory.mktemp("final-generated")
    profiles = build_departments(config, select_districts(config, ["putuo", "wuchang"]), ["statistics"], 11)
    paths, printed_by_path = [], {}
    for profile in profiles:
        drivers, years = simulate(config, profile, [2023, 2024], 11)
        finals = final_series({y: derive_numbers(config, profile, y, d) for y, d in zip(years, drivers)}, settings, 11)
        clean = build_final(config, finals[2024], finals[2023])
        variants = {"clean": (clean, None)}
        for kind in FINAL_INCONSISTENCY_KINDS:
            variants[kind] = inject_final_inconsistency(settings, clean, kind, random.Random(f"{profile.slug}:{kind}"))
        for name, (printed, _) in variants.items():
            path = write_final_pdf(printed, out / "pdf" / f"{profile.district.slug}-{name}.pdf")
            paths.append(path)
            printed_by_path[path] = printed
    parse_to_datasets(paths, out)
    check_output(out)
    return out, printed_by_path


def test_generated_final_accounts_parse_to_the_printed_figures(generated):
    out, printed_by_path = generated
    for path, printed in printed_by_path.items():
        if "missing" in path.name:
            continue
        parsed = parse_file(path)
        assert parsed.status == "ok", parsed.error
        assert [t.table_id for t in parsed.tables if t.table_id] == list(TITLES)
        row = filing_row(parsed)
        assert (row["doc_kind"], row["year"], row["department"]) == ("final_account", 2024, printed.profile.full_name)
        expected = {k: float(v / 10000) if v is not None else None for k, v in printed.headline_figures().items()}
        assert {k: row[f"{k}_wan"] for k in expected} == pytest.approx(expected, abs=1e-9), path.name


def test_clean_generated_final_accounts_pass_every_check_and_each_injection_is_caught(generated):
    out, printed_by_path = generated
    filings = pl.read_parquet(dataset_path(out, "filings")).select("filing_id", "source_path")
    checks = pl.read_parquet(dataset_path(out, "checks")).join(filings, on="filing_id")
    caught_by = {
        "final_carryover_broken": "final.carryover",
        "final_execution_rate_wrong": "final.narrative_execution",
        "final_missing_table": "completeness.required_tables",
        "final_wrong_year": "final.year",
    }
    for path in printed_by_path:
        mine = checks.filter(pl.col("source_path") == str(path))
        failed = set(mine.filter(pl.col("is_passed").not_())["rule_id"])
        assert mine.height > 100  # the rules read the filing
        if "clean" in path.name or "initial_budget" in path.name:
            # The 年初预算 mismatch is consistent within the 决算: only the published 预算 shows it.
            assert failed == set(), mine.filter(pl.col("is_passed").not_())["message"].to_list()
            assert mine["is_passed"].null_count() == 0
        else:
            kind = next(k for k in caught_by if k.removeprefix("final_") in path.name)
            assert caught_by[kind] in failed, (path.name, failed)


def test_final_outliers_sit_in_the_last_final_year_one_per_department_type():
    config = load_sample_config()
    settings = dataclasses.replace(load_final_settings(), outlier_share=0.5, inconsistency_share=0.3)
    profiles = build_departments(config, select_districts(config, 3), select_department_types(config, 4), 0)
    plan = plan_final_injections(profiles, [2023, 2024, 2025], settings, 0)
    type_of = {(p.district.slug, p.slug): p.dtype.id for p in profiles}
    outliers = [slot for slot, kind in plan.items() if kind == "low_execution"]
    assert len(outliers) == 4  # one per type: 4 types, though half of 24 slots were asked for
    assert {year for _, _, year in outliers} == {2024}
    assert len({type_of[slot[:2]] for slot in outliers}) == 4
    inconsistent = [kind for kind in plan.values() if kind != "low_execution"]
    assert len(inconsistent) == round(0.3 * 24) and set(inconsistent) == set(FINAL_INCONSISTENCY_KINDS)


def test_the_report_lists_a_low_execution_final_account_with_its_reason(tmp_path):
    """24 决算 of one type, one of which spent 60 % of its 年初预算: scored among 决算 only, listed in 预算执行."""
    from budgetml import datasets
    from budgetml.detect import score_filings
    from budgetml.features import build_features
    from budgetml.report import render_report, report_context
    from tests.budgetdata import fid, peer_corpus, write_output

    filings = [{**f, "doc_kind": "final_account"} for f in peer_corpus(years=(2024,))]
    low = fid("7-2024")
    rows = []
    for k, f in enumerate(filings):
        rate = 60.0 if f["filing_id"] == low else 95.0 + (k % 5) * 0.8
        rows.append(
            {
                "filing_id": f["filing_id"],
                "budget_filing_id": None,
                "region": f["region"],
                "department": f["department"],
                "department_id": None,
                "year": 2024,
                "item": "general_budget_expenditure",
                "code": None,
                "item_name": "一般公共预算财政拨款支出",
                **{
                    f"{p}_{s}": None
                    for p in ("budget", "printed_budget", "final")
                    for s in ("yuan", "wan", "page", "bbox")
                },
                "execution_rate_pct": rate,
                "rate_basis": "printed",
                "is_printed_budget_consistent": None,
            }
        )
    out = write_output(tmp_path / "out", filings, checks=[])
    datasets.write_table(BUDGET_EXECUTION, rows_to_table(BUDGET_EXECUTION, rows), out)
    build_features(out)
    score_filings(out, store=tmp_path / "review.sqlite")
    context = report_context(out, store=tmp_path / "review.sqlite")
    [listed] = context.execution_outliers
    assert listed.filing_id == low and listed.doc_kind == "final_account" and listed.title.endswith("2024年决算")
    assert listed.peer_group == "2024年 决算 教育"
    assert listed.execution_reasons[0].startswith("支出决算为年初预算的 60.0%，同类部门中位数 96.")
    # The low 决算 is in the review queue by its score: 预算执行 links to its section, which shows its rates.
    assert listed.has_section and ("支出决算为年初预算的比例", 60.0) in listed.execution_rates
    html = render_report(context)
    execution = html[html.index('<table id="execution-table">') : html.index("</table>", html.index("execution-table"))]
    assert f'href="#{listed.anchor}"' in execution and "60.0%" in execution
    section = html[html.index(f'id="{listed.anchor}"') :]
    section = section[: section.index("</section>")]
    assert "<h4>预算执行</h4>" in section and "60.0%" in section and "2024年决算" in section


def test_the_desk_shows_a_final_accounts_rule_titles_evidence_figures_and_execution(generated, tmp_path):
    """The desk's page of a generated 决算 with a broken carry-over: the 决算 rules' Chinese titles and explanations,
    the evidence crop, the 决算's own figures and its execution rates (年初预算 as the 决算 prints it)."""
    import shutil

    from fastapi.testclient import TestClient

    from budgetml.desk.app import create_app
    from budgetml.detect import score_filings
    from budgetml.features import build_features
    from budgetml.layout import data_dir
    from budgetml.review_queue import QueueSettings

    out, _ = generated
    copy = tmp_path / "out"
    shutil.copytree(data_dir(out), data_dir(copy))
    build_features(copy)
    score_filings(copy, store=tmp_path / "unused.sqlite")
    filings = pl.read_parquet(dataset_path(copy, "filings"))
    broken = filings.filter(pl.col("source_path").str.ends_with("-final_carryover_broken.pdf"))["filing_id"][0]
    client = TestClient(create_app(copy, tmp_path / "review.sqlite", QueueSettings()), base_url="http://127.0.0.1:8765")
    assert broken in client.get("/").text  # in the queue: error findings
    html = client.get(f"/filing/{broken}").text
    assert "2024年决算" in html
    # The first failed rule with its title and explanation; final.carryover's failure is folded under it.
    assert "决算总表收入总计应等于支出总计，且等于各组成之和" in html
    assert "收入支出决算总表和财政拨款收入支出决算总表中，收入总计应等于支出总计" in html
    assert "年初结转和结余 + 本年收入 − 本年支出 = 年末结转和结余" in html
    assert re.search(r'src="/evidence/[0-9a-f]{64}/finding/[^"]+/crop\.png"', html)
    headline = html[html.index('id="headline"') : html.index("</section>", html.index('id="headline"'))]
    assert "年末结转和结余" in headline and "收入总计" in headline
    execution = html[html.index('id="execution-table"') : html.index("</table>", html.index('id="execution-table"'))]
    rates = pl.read_parquet(dataset_path(copy, "features")).filter(pl.col("filing_id") == broken).row(0, named=True)
    assert rates["execution_total_pct"] is not None
    assert "支出决算为年初预算的比例" in execution and f"{rates['execution_total_pct']:,.1f}%" in execution
