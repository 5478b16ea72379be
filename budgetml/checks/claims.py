"""Parse the narrative into claims: each stated amount with its subject, change, percentage and share."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

from budgetml.normalise import fold, squash

# An amount as the narrative prints it: "3,375.67 万元", "1672.67万元", "0万元".
_AMOUNT = re.compile(r"(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>亿元|万元|元)")
# A comparison after the amount: "比2024年预算增加1,481.28万元，增长78.2%", "比2025年预算执行数减少1.07%", "与2024预算持平".
_COMPARE = re.compile(
    r"^[，,]?\s*(?:比|较)\s*(?P<year>\d{4})\s*年?\s*(?P<basis>预算执行数|预算数|预算|决算数|决算|执行数)?\s*"
    r"(?:(?P<flat>持平)|(?P<dir>增加|减少|增长|下降)\s*(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<what>万元|亿元|元|%))"
    r"(?:\s*[，,]\s*(?P<dir2>增长|下降|增加|减少)\s*(?P<pct>\d+(?:\.\d+)?)\s*%)?"
)
_FLAT = re.compile(r"^[，,]?\s*(?:与|和)\s*(?P<year>\d{4})\s*年?\s*(?P<basis>预算执行数|预算|决算)?\s*持平")
_SHARE = re.compile(r"^[，,]?\s*占(?:比)?\s*(?P<pct>\d+(?:\.\d+)?)\s*%")
# "2025年当年预算执行数为", "2023年预算数为": a previous year's figure stated before the current
# amount (Shanghai style). Whether "YYYY年预算数" is the previous year's or this year's depends on
# the filing's year; without it only outturns (执行数/决算) count as previous.
_PREV = re.compile(
    r"(?P<year>\d{4})\s*年\s*(?:当年)?\s*(?P<basis>预算执行数|执行数|决算数|决算|预算数|预算)\s*(?:为|是)?\s*$"
)
_OUTTURN = ("预算执行数", "执行数", "决算数", "决算")
_SUBHEADING = re.compile(r"^\s*[（(][一二三四五六七八九十]+[)）][^，。；]*?情况(?=\S)")
_CLAUSE_BREAK = re.compile(r"[。；;：:，,、\n]|其中|包括|主要用于")
_ENUM = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．](?!\d)|[一二三四五六七八九十]+、)\s*")
_YEAR_PREFIX = re.compile(r"^.*?\d{4}\s*年(?:度)?\s*")
_TRAILING = re.compile(r"(?:预算数|预算安排|为|是|合计|共计|总额)+$")
_SENTENCE_END = re.compile(r"[。；;\n]")
# "公共安全支出（204类）司法（06款）行政运行（01项）": Shanghai prints the code parts.
# Names may hold parentheses of their own: "政府办公厅（室）及相关机构事务（03款）".
_CODED_ITEM = re.compile(
    r"^(?P<lei>.*?)[（(]\s*(?P<c1>\d{3})\s*类\s*[)）](?P<kuan>.*?)[（(]\s*(?P<c2>\d{2})\s*款\s*[)）]"
    r"(?:(?P<xiang>.*?)[（(]\s*(?P<c3>\d{2})\s*项\s*[)）])?"
)
# "科学技术支出（类）科学技术管理事务（款）行政运行（项）": Wuhan prints the names.
_NAMED_ITEM = re.compile(r"^(?P<lei>.+?)[（(]类[)）](?P<kuan>.+?)[（(]款[)）](?:(?P<xiang>.+?)[（(]项[)）])?")
# Subjects that name no item of their own ("预算安排", "当年预算执行数") take the paragraph's topic.
_GENERIC = re.compile(r"^(?:预算安排|预算数|当年预算|本年预算|当年预算执行数|预算执行数)?$")
# A sub-heading opening a paragraph: "（二）一般公共预算拨款结构情况" (its text may follow on the same line).
_PARAGRAPH_HEADING = re.compile(r"^\s*[（(][一二三四五六七八九十]+[)）][^，。；：:\d]*?情况")
# The sentence that ends a paragraph by introducing what follows: "财政拨款支出主要内容如下：".
_LEAD_IN = re.compile(r"(?:^|[。；;])(?P<lead>[^。；;\d]{5,}[：:])\s*$")


def with_patterns(rows: tuple[tuple, ...]) -> tuple[tuple, ...]:
    """Rows whose first item is a regular expression, that item compiled (the rules' tables of subject patterns)."""
    return tuple((re.compile(pattern), *rest) for pattern, *rest in rows)


# The scope (口径) a heading or subject names, in order: the first scope whose words it contains. A claim's
# amounts, shares and their totals are of its scope: under "一般公共预算拨款结构情况" 基本支出 is the
# general budget's, not the whole department's (which adds 政府性基金 and non-fiscal money).
SCOPES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (scope, re.compile(words))
    for scope, words in (
        ("sangong", r"三公"),
        ("gov_fund", r"政府性基金"),
        ("state_capital", r"国有资本经营"),
        ("general_budget", r"一般公共预算"),
        ("fiscal_grant", r"财政拨款"),
        ("department", r"部门预算|部门收支|收支预算总体|收支总预算|收入预算安排|支出预算安排"),
    )
)
HEADING_SEPARATOR = " / "


@dataclass(frozen=True)
class Claim:
    """One amount the narrative states, with what it is of and how it compares (a row of claims.parquet)."""

    page: int
    section: str
    sentence: str
    subject: str
    code: str | None  # a function code printed with the subject (Shanghai style)
    item_names: tuple[str, ...]  # (类, 款, 项) names printed with the subject (Wuhan style)
    amount: Decimal  # in the narrative's unit
    amount_decimals: int
    unit: str
    compare_year: int | None
    compare_basis: str | None
    delta: Decimal | None  # signed change in `unit`
    delta_decimals: int | None
    percent: Decimal | None  # signed change in %
    percent_decimals: int | None
    share_pct: Decimal | None
    share_decimals: int | None
    prev_amount: Decimal | None  # the previous-year figure stated in the same paragraph ("当年预算执行数为…")
    prev_decimals: int | None
    is_flat: bool
    offset: int  # character offset of the amount in the section text
    heading_path: str = ""  # the section heading, then the sub-heading and lead-in it sits under, joined by " / "
    scope: str | None = None  # the scope (口径) the subject or headings name (SCOPES); None: not decided
    whole: tuple[Decimal, int, str] | None = (
        None  # the total its paragraph states before 其中 (amount, decimals, subject)
    )
    # 决算 wording only (see the 决算 part below): "年初预算为A万元，支出决算为B万元，完成年初预算的C%".
    initial_budget: Decimal | None = None  # A, in `unit`: the amount is then B, what was spent
    initial_budget_decimals: int | None = None
    completion_pct: Decimal | None = None  # C, as printed
    completion_decimals: int | None = None
    budget_relation: str | None = None  # what the text says of B against A: less | more | equal
    share_of: str | None = (
        None  # what share_pct is a share of: the total it names, else the amount its sentence opens with
    )


def decimals_of(number: str) -> int:
    """The decimal places printed in a number."""
    return len(number.split(".", 1)[1]) if "." in number else 0


def to_decimal(number: str) -> Decimal:
    """A printed number (thousands separators allowed) as an exact Decimal."""
    return Decimal(number.replace(",", ""))


def clean_subject(text: str) -> str:
    """The words naming what an amount is: enumerators, sub-headings, year prefixes and filler removed."""
    subject = _ENUM.sub("", _SUBHEADING.sub("", text.strip()))
    if re.search(r"\d{4}\s*年", subject):
        subject = _YEAR_PREFIX.sub("", subject)
    subject = _ENUM.sub("", subject)
    return _TRAILING.sub("", subject.strip()).strip()


def subject_before(text: str, start: int) -> str:
    """The clause before position `start`: back to the last punctuation or 其中/包括."""
    starts, ends = clause_breaks(text)
    k = bisect_right(ends, start)  # the breaks that end by `start`
    if k < len(starts) and starts[k] < start:  # a break running over `start`: read the clause alone
        breaks = list(_CLAUSE_BREAK.finditer(text[:start]))
        return text[breaks[-1].end() : start] if breaks else text[:start]
    return text[ends[k - 1] : start] if k else text[:start]


@lru_cache(maxsize=8)
def clause_breaks(text: str) -> tuple[list[int], list[int]]:
    """(starts, ends) of the clause breaks of a section's text, in order: its claims read them many times."""
    spans = [m.span() for m in _CLAUSE_BREAK.finditer(text)]
    return [a for a, _ in spans], [b for _, b in spans]


def sentence_start(text: str, offset: int) -> int:
    """Where the sentence holding position `offset` starts: after the last sentence end before it."""
    ends = sentence_ends(text)
    k = bisect_right(ends, offset - 1)
    return ends[k - 1] + 1 if k else 0


@lru_cache(maxsize=8)
def sentence_ends(text: str) -> list[int]:
    """The offsets of a section's sentence ends (。；; and line breaks), in order."""
    return [m.start() for m in _SENTENCE_END.finditer(text)]


def is_previous_statement(match: re.Match[str] | None, year: int | None) -> bool:
    """Whether a "YYYY年…为" before an amount states a previous year's figure (an outturn, or a year before the filing's)."""
    if match is None:
        return False
    if year is not None:
        return int(match["year"]) < year
    return match["basis"] in _OUTTURN


def section_claims(text: str, page_at: list[tuple[int, int]], section: str, year: int | None = None) -> list[Claim]:
    """All amount claims of one section's text; `page_at` maps character offsets to pages (sorted starts)."""
    claims: list[Claim] = []
    topic = ("", None, ())  # the paragraph's subject: generic subjects inherit it
    paragraph_start = 0
    prev_stated: tuple[Decimal, int, int, str] | None = None  # amount, decimals, year, basis
    consumed = 0  # amounts inside a comparison already read ("增加1,481.28万元") are no claims
    headings = paragraph_headings(text)
    whole: tuple[Decimal, int, str] | None = None  # "部门预算支出X万元。其中：…": the total its parts are of
    is_first = True  # the paragraph's first claim, which may be the total its 其中 parts are of
    for match in _AMOUNT.finditer(text):
        start, end = match.span()
        if start < consumed:
            continue
        paragraph = text.rfind("\n", 0, start) + 1
        if paragraph != paragraph_start:
            paragraph_start, topic, prev_stated, whole, is_first = paragraph, ("", None, ()), None, None, True
        raw_subject = subject_before(text, start)
        prev_match = _PREV.search(raw_subject)
        amount = to_decimal(match["num"])
        if is_previous_statement(prev_match, year):
            # "2025年当年预算执行数为1690.69万元": a previous-year figure, not a claim of its own.
            prev_stated = (amount, decimals_of(match["num"]), int(prev_match["year"]), prev_match["basis"])
            continue
        subject = clean_subject(raw_subject)
        code, names = item_reference(raw_subject)
        if names:
            subject = names[-1]  # the item's own name (项, else 款)
        if _GENERIC.match(subject) and topic[0]:
            subject, code, names = topic
        elif subject:
            topic = (subject, code, names)
        tail = text[end : end + 80]
        compare, flat, share = _COMPARE.match(tail), _FLAT.match(tail), _SHARE.match(tail)
        delta = percent = None
        delta_dec = pct_dec = None
        cmp_year = cmp_basis = None
        if compare:
            consumed = end + compare.end()
            cmp_year, cmp_basis = int(compare["year"]), compare["basis"]
            sign = -1 if compare["dir"] in ("减少", "下降") else 1
            if compare["flat"]:
                delta, delta_dec = Decimal(0), 0
            elif compare["what"] == "%":
                percent, pct_dec = sign * to_decimal(compare["num"]), decimals_of(compare["num"])
            else:
                delta, delta_dec = sign * to_decimal(compare["num"]), decimals_of(compare["num"])
                if compare["pct"]:
                    sign2 = -1 if compare["dir2"] in ("减少", "下降") else 1
                    percent, pct_dec = sign2 * to_decimal(compare["pct"]), decimals_of(compare["pct"])
        elif flat:
            cmp_year, cmp_basis, delta, delta_dec = int(flat["year"]), flat["basis"], Decimal(0), 0
        sentence_end_match = _SENTENCE_END.search(text, end)
        sentence = text[
            sentence_start(text, start) : sentence_end_match.start() + 1 if sentence_end_match else len(text)
        ].strip()
        prev = prev_stated if prev_stated and (not cmp_year or prev_stated[2] == cmp_year) else None
        heading_path, heading_scope = heading_context(section, headings, start)
        claim_whole = None if is_first else whole
        if is_first and share is None:
            after = max(end, consumed)
            following = _AMOUNT.search(text, after)
            if "其中" in text[after : following.start() if following else len(text)]:
                whole = (amount, decimals_of(match["num"]), subject)
        is_first = False
        claims.append(
            Claim(
                page=page_of(page_at, start),
                section=section,
                sentence=sentence,
                subject=subject,
                code=code,
                item_names=names,
                amount=amount,
                amount_decimals=decimals_of(match["num"]),
                unit=match["unit"],
                compare_year=cmp_year if cmp_year else (prev[2] if prev else None),
                compare_basis=cmp_basis if cmp_basis else (prev[3] if prev else None),
                delta=delta,
                delta_decimals=delta_dec,
                percent=percent,
                percent_decimals=pct_dec,
                share_pct=to_decimal(share["pct"]) if share else None,
                share_decimals=decimals_of(share["pct"]) if share else None,
                prev_amount=prev[0] if prev else None,
                prev_decimals=prev[1] if prev else None,
                is_flat=bool(flat or (compare and compare["flat"])),
                offset=start,
                heading_path=heading_path,
                scope=scope_of(subject) or heading_scope,
                whole=claim_whole,
            )
        )
    return claims


def scope_of(text: str) -> str | None:
    """The scope (口径) a heading or subject names: the first of SCOPES whose words it contains."""
    folded = fold(text)
    return next((scope for scope, words in SCOPES if words.search(folded)), None)


def paragraph_headings(text: str) -> list[tuple[int, str, bool]]:
    """(offset, heading, is_lead_in) of each sub-heading, and of each sentence ending a paragraph with a colon that
    introduces what follows (a lead-in), of a section's text, in order."""
    found = []
    start = 0
    for line in text.split("\n"):
        heading = _PARAGRAPH_HEADING.match(line)
        lead_in = _LEAD_IN.search(line)
        if heading:
            found.append((start, heading[0].strip(), False))
        if lead_in:
            found.append((start + lead_in.start("lead"), lead_in["lead"].strip(), True))
        start += len(line) + 1
    return found


def heading_context(section: str, headings: list[tuple[int, str, bool]], offset: int) -> tuple[str, str | None]:
    """The heading path at `offset` (section / sub-heading / lead-in) and the scope it names (the innermost first)."""
    heading = lead_in = ""
    for start, text, is_lead_in in headings:
        if start > offset:
            break
        if is_lead_in:
            lead_in = text
        else:
            heading, lead_in = text, ""
    path = [p for p in (section, heading, lead_in) if p]
    scope = next((s for s in map(scope_of, reversed(path)) if s), None)
    return HEADING_SEPARATOR.join(path), scope


def item_reference(subject: str) -> tuple[str | None, tuple[str, ...]]:
    """The function item a subject names: its code (Shanghai) or its (类, 款, 项) names (Wuhan)."""
    folded = _ENUM.sub("", fold(subject).strip())
    coded = _CODED_ITEM.search(folded)
    if coded:
        code = coded["c1"] + coded["c2"] + (coded["c3"] or "")
        return code, tuple(n.strip() for n in (coded["lei"], coded["kuan"], coded["xiang"]) if n)
    named = _NAMED_ITEM.search(folded)
    if named:
        return None, tuple(n.strip() for n in (named["lei"], named["kuan"], named["xiang"]) if n)
    return None, ()


def page_of(page_at: list[tuple[int, int]], offset: int) -> int:
    """The page a character offset of a section's text is printed on."""
    page = page_at[0][1]
    for start, number in page_at:
        if start <= offset:
            page = number
    return page


def narrative_to_claims(
    chunks: list[tuple[str, int, str]], year: int | None = None, doc_kind: str | None = None
) -> list[Claim]:
    """Claims of a filing from its narrative chunks (section, page, text) in document order.

    Chunks of one section continued over pages are joined first, so a sentence broken by a page
    break is read whole; every claim keeps the page its amount is printed on. A 决算 (doc_kind
    final_account) is read in its own wording too (final_account_claims).
    """
    claims: list[Claim] = []
    k = 0
    while k < len(chunks):
        section = chunks[k][0]
        text, page_at = "", []
        while k < len(chunks) and chunks[k][0] == section:
            chunk = chunks[k][2]
            if text and _ENUM.match(chunk):
                text += "\n"  # a page that starts a numbered item starts a new paragraph
            page_at.append((len(text), chunks[k][1]))
            text += chunk
            k += 1
        found = section_claims(text, page_at, section, year)
        claims += final_account_claims(found, text) if doc_kind == "final_account" else found
    return claims


# ================================================================ 决算 (final account) wording
# A 决算's narrative states what was budgeted and what was spent, and compares with last year's 决算,
# in words of its own: "年初预算为A万元，支出决算为B万元，完成年初预算的C%", "与2023年度相比，收入支出
# 总计减少X万元，下降Y%", "比2023年度增加X万元", "占本年支出合计的Z%". The budget wording above reads
# each amount; this part, applied to a 决算's claims only, gives the spent amount B its 年初预算 A and
# completion C, gives the stated total its change on last year, and drops the amounts that are part
# of another statement (A, the change X).

_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_FINAL_EXECUTION = re.compile(
    rf"年初预算数?\s*(?:为|是)?\s*(?P<a>{_NUMBER})\s*万元\s*[，,]\s*(?:支出)?决算数?\s*(?:为|是)?\s*(?P<b>{_NUMBER})\s*万元"
    rf"(?:\s*[，,。]?\s*完成(?:年初)?预算数?的\s*(?P<c>\d+(?:\.\d+)?)\s*%)?"
)
# "决算数小于预算数的主要原因", "决算数与预算数基本持平", "决算数同预算数持平".
_FINAL_RELATION = re.compile(
    r"决算数\s*(?:(?P<word>小于|低于|大于|高于|等于)|(?:与|同|和))\s*(?:年初)?预算数\s*(?P<flat>基本持平|持平)?"
)
_RELATIONS = {"小于": "less", "低于": "less", "大于": "more", "高于": "more", "等于": "equal"}
# How far after a statement its 决算数小于预算数 sentence may start, in characters.
RELATION_WINDOW = 30
# "与2023年度相比，收入支出总计减少56.95万元，下降1.87%" / "…，财政拨款收入支出总计持平".
_FINAL_CHANGE = re.compile(
    rf"与\s*(?P<year>\d{{4}})\s*年度?\s*相比\s*[，,]\s*(?P<subject>[^，,。；0-9]*?)\s*"
    rf"(?:(?P<flat>持平)|(?P<dir>增加|减少)\s*(?P<num>{_NUMBER})\s*万元"
    rf"(?:\s*[，,]\s*(?P<dir2>增长|下降)\s*(?P<pct>\d+(?:\.\d+)?)\s*%)?)"
)
# Right after an amount: "，比2023年度增加2.55万元，增长1.40%".
_FINAL_COMPARED = re.compile(
    rf"^\s*[，,]?\s*比\s*(?P<year>\d{{4}})\s*年度?\s*(?P<dir>增加|减少)\s*(?P<num>{_NUMBER})\s*万元"
    rf"(?:\s*[，,]\s*(?P<dir2>增长|下降)\s*(?P<pct>\d+(?:\.\d+)?)\s*%)?"
)
# Right after an amount: "，占本年支出合计的100.00%" (the base wording reads "，占99.79%").
_FINAL_SHARE_OF = re.compile(r"^\s*[，,]\s*占(?P<whole>[^%，,。；;\d]{2,20}?)的\s*(?P<pct>\d+(?:\.\d+)?)\s*%")
# An amount that is itself a change ("决算数比2023年度减少0.15万元"): part of another statement.
_CHANGE_AMOUNT = re.compile(r"(?:增加|减少)$")


def final_account_claims(claims: list[Claim], text: str) -> list[Claim]:
    """One section's claims read in 决算 wording: execution statements, changes on last year, shares of a named total."""
    by_offset = {c.offset: c for c in claims}
    dropped: set[int] = set()
    for match in _FINAL_EXECUTION.finditer(text):
        spent, budgeted = by_offset.get(match.start("b")), by_offset.get(match.start("a"))
        if spent is None or budgeted is None:
            continue
        dropped.add(budgeted.offset)
        by_offset[spent.offset] = with_execution(spent, match, text)
    for match in _FINAL_CHANGE.finditer(text):
        if match["num"] is not None:
            dropped.add(match.start("num"))
        target = change_target(claims, match, text)
        if target is not None and target.offset not in dropped:
            by_offset[target.offset] = with_change(by_offset[target.offset], match)
    for claim in claims:
        tail = text[claim.offset : claim.offset + 120]
        after = tail[tail.find("万元") + 2 :] if "万元" in tail else ""
        compared, share = _FINAL_COMPARED.match(after), _FINAL_SHARE_OF.match(after)
        if compared:
            dropped.add(claim.offset + tail.find("万元") + 2 + compared.start("num"))
            by_offset[claim.offset] = with_change(by_offset[claim.offset], compared)
        elif share:
            by_offset[claim.offset] = replace(
                by_offset[claim.offset], share_pct=to_decimal(share["pct"]), share_decimals=decimals_of(share["pct"])
            )
        if _CHANGE_AMOUNT.search(subject_before(text, claim.offset).strip()):
            dropped.add(claim.offset)
    kept = [by_offset[c.offset] for c in claims if c.offset not in dropped]
    return [with_share_of(c, kept, text) if c.share_pct is not None else c for c in kept]


def with_share_of(claim: Claim, claims: list[Claim], text: str) -> Claim:
    """A share with what it is a share of: the total it names ("占本年支出合计的…"), else the amount its
    sentence opens with ("本年收入合计2946.25万元，其中：财政拨款收入2940.05万元，占99.79%"): the last
    claim before it in its paragraph, in the same sentence (no 。 between), that states no share itself."""
    tail = text[claim.offset : claim.offset + 120]
    named = _FINAL_SHARE_OF.match(tail[tail.find("万元") + 2 :]) if "万元" in tail else None
    if named:
        return replace(claim, share_of=squash(named["whole"]))
    paragraph = text.rfind("\n", 0, claim.offset) + 1
    sentence = text.rfind("。", 0, claim.offset) + 1
    leads = [
        c
        for c in claims
        if max(paragraph, sentence) <= c.offset < claim.offset and c.share_pct is None and c.initial_budget is None
    ]
    return replace(claim, share_of=leads[-1].subject) if leads else claim


def with_execution(spent: Claim, match: re.Match[str], text: str) -> Claim:
    """The spent amount B of "年初预算为A万元，支出决算为B万元，完成…C%" with A, C, what it is of and the stated relation.

    What it is of: the clause before 年初预算 ("一般公共预算财政拨款支出"), else the function item the
    numbered paragraph names ("1、一般公共服务支出（类）财政事务（款）行政运行（项）。主要用于…").
    """
    subject = clean_subject(subject_before(text, match.start()))
    code, names = item_reference(subject)
    if not subject:
        paragraph = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
        code, names = item_reference(paragraph)
    relation = _FINAL_RELATION.search(text, match.end(), match.end() + RELATION_WINDOW + 20)
    if relation and relation.start() - match.end() > RELATION_WINDOW:
        relation = None
    return replace(
        spent,
        subject=names[-1] if names else subject or spent.subject,
        code=code,
        item_names=names,
        initial_budget=to_decimal(match["a"]),
        initial_budget_decimals=decimals_of(match["a"]),
        completion_pct=to_decimal(match["c"]) if match["c"] else None,
        completion_decimals=decimals_of(match["c"]) if match["c"] else None,
        budget_relation=(_RELATIONS[relation["word"]] if relation["word"] else "equal") if relation else None,
    )


def change_target(claims: list[Claim], match: re.Match[str], text: str) -> Claim | None:
    """The claim a "与2023年度相比，S减少X万元" statement is about: the last claim before it in its paragraph
    whose subject is S; None when no claim names S (the change is then read nowhere rather than guessed)."""
    paragraph = text.rfind("\n", 0, match.start()) + 1
    subject = squash(match["subject"])
    named = [
        c for c in claims if paragraph <= c.offset < match.start() and subject and squash(c.subject).endswith(subject)
    ]
    return named[-1] if named else None


def with_change(claim: Claim, match: re.Match[str]) -> Claim:
    """A claim with the change on last year a 决算 states for it (持平, or 增加/减少 X万元 and 增长/下降 Y%)."""
    if match.groupdict().get("flat"):
        return replace(
            claim,
            compare_year=int(match["year"]),
            compare_basis="决算",
            delta=Decimal(0),
            delta_decimals=0,
            is_flat=True,
        )
    sign = -1 if match["dir"] == "减少" else 1
    percent = pct_decimals = None
    if match["pct"]:
        percent = (-1 if match["dir2"] == "下降" else 1) * to_decimal(match["pct"])
        pct_decimals = decimals_of(match["pct"])
    return replace(
        claim,
        compare_year=int(match["year"]),
        compare_basis="决算",
        delta=sign * to_decimal(match["num"]),
        delta_decimals=decimals_of(match["num"]),
        percent=percent,
        percent_decimals=pct_decimals,
    )
