"""The checks' shortcuts read exactly what the plain definitions read: clause and sentence starts found once per
section, code children found by prefix, a shard's collector pause, findings' rows built column by column."""

from __future__ import annotations

import gc
import random
from decimal import Decimal

import pytest

from budgetml.checks.claims import _CLAUSE_BREAK, _SENTENCE_END, sentence_start, subject_before
from budgetml.checks.identities import code_children
from budgetml.checks.inputs import Amount, FilingData
from budgetml.checks.outputs import Columns, add_findings
from budgetml.checks.registry import Evidence, Finding, Rule
from budgetml.checks.rulebook import collector_paused
from budgetml.schema import CHECKS

# Text made of clause breaks (single characters and the words 其中/包括/主要用于, cut or whole), digits and words.
PIECES = (
    "。",
    "；",
    "，",
    "、",
    "：",
    "\n",
    "其中",
    "包括",
    "主要用于",
    "主要用",
    "其",
    "支出",
    "12",
    "3.5",
    "万元",
    "年",
)


def plain_subject_before(text: str, start: int) -> str:
    clause = text[:start]
    breaks = list(_CLAUSE_BREAK.finditer(clause))
    return clause[breaks[-1].end() :] if breaks else clause


def plain_sentence_start(text: str, start: int) -> int:
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    return ends[-1] if ends else 0


@pytest.mark.parametrize("seed", range(20))
def test_clause_and_sentence_starts_are_the_plain_ones(seed):
    rng = random.Random(seed)
    text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 60)))
    for start in range(len(text) + 1):  # every offset, also inside 主要用于 and 其中
        assert subject_before(text, start) == plain_subject_before(text, start)
        assert sentence_start(text, start) == plain_sentence_start(text, start)


def test_a_break_running_over_the_offset_reads_the_clause_alone():
    text = "人员经费主要用于保障"
    start = text.index("用于") + 1  # inside 主要用于: the clause before it has no break
    assert subject_before(text, start) == plain_subject_before(text, start) == "人员经费主要用"


@pytest.mark.parametrize("seed", range(20))
def test_code_children_are_the_shortest_codes_under_each_code(seed):
    rng = random.Random(seed)
    codes = list(
        dict.fromkeys(
            rng.choice(["2", "20", "21"]) + "".join(rng.choices("0123", k=rng.randint(1, 6))) for _ in range(30)
        )
    )
    rows = {c: {} for c in codes}
    expected = {}
    for code in rows:
        descendants = [c for c in rows if c != code and c.startswith(code)]
        if descendants:
            shortest = min(len(c) for c in descendants)
            expected[code] = [c for c in descendants if len(c) == shortest]
    assert code_children(rows) == expected


def test_the_collector_is_paused_for_the_block_and_restored_as_it_was():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def amount(label: str, yuan: str, unit: str = "万元") -> Amount:
    return Amount("c1", 0, "t", 3, 1, label, None, "total", Decimal(yuan), 2, unit, yuan, (1.0, 2.0, 3.0, 4.0))


def test_findings_rows_are_built_column_by_column_with_exact_yuan():
    a = amount("合计", "1234.5")
    f = FilingData("f1", 2025, "部门", "地区", [a], [], [], [], [])
    rule = Rule("r.one", "t", "d", "error", (), "", {})
    other = Rule("r.two", "t", "d", "warning", (), "", {})
    results = [
        (
            rule,
            Finding(
                "r.one", False, "甲", "m1", Decimal("1.23456"), Decimal("2"), Decimal("0.005"), "万元", (a.evidence,)
            ),
        ),
        (rule, Finding("r.one", True, "乙", "m2", Decimal(50), Decimal("50.5"), Decimal(1), "%", (Evidence(4, None),))),
        (other, Finding("r.two", None, "丙", "m3")),
        (rule, Finding("r.one", False, "丁", "m4", Decimal(1), Decimal(3), Decimal(0), "万元", (a.evidence,))),
    ]
    columns = Columns(CHECKS)
    add_findings(columns, f, results)
    rows = columns.rows()
    assert [(r["finding_id"], r["severity"], r["is_passed"]) for r in rows] == [
        ("r.one:0", "error", False),
        ("r.one:1", "error", True),
        ("r.two:0", "warning", None),
        ("r.one:2", "error", False),
    ]
    first = rows[0]
    assert first["expected_yuan"] == Decimal("12345.6000")  # 1.23456 万元, at the datasets' 4 decimals
    assert first["actual_yuan"] == Decimal("20000.0000") and first["diff_yuan"] == Decimal("7654.4000")
    assert first["tolerance_yuan"] == Decimal("50.0000") and first["diff"] == pytest.approx(0.76544)
    assert first["pages"] == [3] and first["bboxes"] == [[1.0, 2.0, 3.0, 4.0]] and first["cell_ids"] == ["c1"]
    assert rows[1]["expected_yuan"] is None and rows[1]["expected"] == 50.0 and rows[1]["bboxes"] == [None]
    assert rows[2]["expected"] is None and rows[2]["pages"] == []
    assert rows[3]["caused_by_id"] == "r.one:0"  # the same printed figure: one problem, linked to the first
    assert [r["caused_by_id"] for r in rows[:3]] == [None, None, None]
