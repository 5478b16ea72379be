"""Number, code and unit parsing, including property tests of the amount parser."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgetml.normalise import (
    UnitError,
    decimals_printed,
    document_unit,
    find_unit,
    fold,
    header_unit,
    normalise_code,
    parse_amount,
    split_code_label,
    to_yuan,
)

FULLWIDTH = str.maketrans("0123456789,.-()", "０１２３４５６７８９，．－（）")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("3,375.67", Decimal("3375.67")),
        ("3375.67", Decimal("3375.67")),
        ("96,282,213.44", Decimal("96282213.44")),
        ("0.00", Decimal("0.00")),
        ("0", Decimal("0")),
        ("-12.50", Decimal("-12.50")),
        ("(12.50)", Decimal("-12.50")),
        ("（12.50）", Decimal("-12.50")),
        ("－12.50", Decimal("-12.50")),
        ("３，３７５．６７", Decimal("3375.67")),
        (" 1 049.42 ", Decimal("1049.42")),  # a stray space inside a cell
    ],
)
def test_parse_amount(raw, expected):
    assert parse_amount(raw) == expected


@pytest.mark.parametrize("raw", ["", "  ", "-", "—", "/"])
def test_blank_is_not_zero(raw):
    assert parse_amount(raw) is None
    assert parse_amount("0.00") == 0


@pytest.mark.parametrize("raw", ["61.2%", "≤78.4万元", "1,23,4.00", "12.3.4", "abc", "2023年", "027-89936946"])
def test_not_an_amount(raw):
    with pytest.raises(ValueError):
        parse_amount(raw)


amounts = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False, allow_infinity=False
)


@given(amounts, st.booleans(), st.booleans(), st.booleans())
def test_parse_amount_round_trips_any_printing(value, separators, fullwidth, parentheses):
    text = f"{abs(value):,.2f}" if separators else f"{abs(value):.2f}"
    if value < 0:
        text = f"({text})" if parentheses else f"-{text}"
    if fullwidth:
        text = text.translate(FULLWIDTH)
    assert parse_amount(text) == value
    assert decimals_printed(text) == 2


@given(amounts)
def test_sums_are_exact(value):
    # Exact decimals: summing parts never drifts, unlike floats.
    parts = [value / 4] * 4
    assert sum(parse_amount(f"{p:.4f}") for p in parts) == sum(Decimal(f"{p:.4f}") for p in parts)


@pytest.mark.parametrize(
    "text, unit",
    [
        ("单位：万元", "万元"),
        ("单位:元", "元"),
        ("编制部门：上海市普陀区司法局  单位：元", "元"),
        ("单位：\n万元", "万元"),
        ("单位： 亿元", "亿元"),
        ("部门收支总表", None),
    ],
)
def test_find_unit(text, unit):
    assert find_unit(text) == unit


def test_unknown_unit_is_an_error():
    with pytest.raises(UnitError):
        find_unit("单位：千元")
    with pytest.raises(UnitError):
        to_yuan(Decimal(1), "千元")


def test_to_yuan_exact():
    assert to_yuan(Decimal("3375.67"), "万元") == Decimal("33756700.00")
    assert to_yuan(Decimal("1.23"), "亿元") == Decimal("123000000.00")


@pytest.mark.parametrize(
    "parts, code",
    [
        (["204", "06", "01"], "2040601"),
        (["2040601"], "2040601"),
        (["204 06 01"], "2040601"),
        (["204", "06", ""], "20406"),
        (["２０４"], "204"),
        (["328001"], "328001"),
        (["06"], None),
        (["合计"], None),
    ],
)
def test_normalise_code(parts, code):
    assert normalise_code(parts) == code


def test_split_code_label():
    assert split_code_label("2060101 行政运行") == ("2060101", "行政运行")
    assert split_code_label("行政运行") == (None, "行政运行")


def test_fold_fullwidth_keeps_cjk_and_quotes():
    assert fold("（一）１２３：“三公”") == "(一)123:“三公”"


@pytest.mark.parametrize(
    "header, text, unit",
    [
        ("预算数（万元）", "预算数", "万元"),
        ("合计(元)", "合计", "元"),
        ("金额（单位：万元）", "金额", "万元"),
        ("（亿元）", "", "亿元"),
        ("预算数", "预算数", None),
        ("因公出国(境)费", "因公出国(境)费", None),
    ],
)
def test_header_unit(header, text, unit):
    assert header_unit(header) == (text, unit)


@pytest.mark.parametrize(
    "sentence, unit",
    [
        ("以下表格金额单位均为万元。", "万元"),
        ("本部分各表金额单位：元", "元"),
        ("注：以下表格中金额单位为万元", "万元"),
        ("单位：万元", None),  # a table's own unit line, not a statement for the document
        ("2026年收入预算9628.22万元，比上年增加793.14万元", None),
    ],
)
def test_document_unit(sentence, unit):
    assert document_unit(sentence) == unit
