"""The review desk in-process (FastAPI's test client over a real output folder and a real SQLite store): the whole
queue with filters, sorting and pages; filing pages with findings by cause and evidence crops; decisions by POST
with CSRF that take effect at once; exports; the safety rules; the CLI's one-line errors."""

from __future__ import annotations

import csv
import io
import re
import shutil
import sqlite3

import polars as pl
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from PIL import Image
from typer.testing import CliRunner

from budgetml import datasets, evidence, review_store
from budgetml.cli import app as cli
from budgetml.desk.app import create_app
from budgetml.detect import score_filings
from budgetml.features import build_features
from budgetml.layout import data_dir, dataset_path
from budgetml.review_queue import QueueSettings, in_queue
from budgetml.schema import FILINGS
from tests.budgetdata import fid, filing, filings_row, peer_corpus

HOSTILE = "=HYPERLINK(\"http://x\")<script>alert('x')</script>区档案局"
SETTINGS = QueueSettings(min_outlier_score=0.45, page_size=5, report_inline_crops=3)


@pytest.fixture(scope="module")
def desk_out(seed_checked, tmp_path_factory):
    """The seed filing (real checks, its PDF on disk) among 48 教育局 filings, two of them extreme, one named hostile."""
    out = tmp_path_factory.mktemp("desk_out")
    shutil.copytree(data_dir(seed_checked), data_dir(out))
    peers = peer_corpus()
    for name in ("9-2025", "3-2025"):
        r = next(r for r in peers if r["filing_id"] == fid(name))
        r["sangong_total"] = round(r["total_expenditure"] * 0.04, 2)
    peers.append(filing(fid("hostile"), HOSTILE, 2025, region="江汉区", sangong=200.0, source_path="/data/h.pdf"))
    seed = pl.read_parquet(dataset_path(out, "filings")).to_dicts()
    final = filing(fid("final-2024"), seed[0]["department"], 2024, region=seed[0]["region"], total=3100.0)
    peers.append({**final, "doc_kind": "final_account"})  # the department's 决算 of the year before
    datasets.write_table(FILINGS, datasets.rows_to_table(FILINGS, seed + [filings_row(p) for p in peers]), out)
    build_features(out)
    score_filings(out, store=out.parent / "unused.sqlite")
    return out, seed[0]


@pytest.fixture
def desk(desk_out, tmp_path):
    out, seed = desk_out
    store = tmp_path / "decisions.sqlite"
    client = TestClient(create_app(out, store, SETTINGS), base_url="http://127.0.0.1:8765")
    return client, out, store, seed


def queue_ids(out) -> list[str]:
    anomalies = pl.read_parquet(dataset_path(out, "anomalies"))
    return anomalies.filter(in_queue(SETTINGS)).sort("rank")["filing_id"].to_list()


def listed(client, query: str = "") -> list[str]:
    """Every filing the queue lists for a query, following the pages."""
    found, page = [], 1
    while True:
        html = client.get(f"/?{query}&page={page}").text
        found += re.findall(r'<tr class="queue-row" data-filing="([0-9a-f]{64})"', html)
        if 'rel="next"' not in html:
            return found
        page += 1


def csrf(client, filing_id: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(f"/filing/{filing_id}").text).group(1)


def test_the_queue_lists_every_filing_with_an_error_or_an_outlier_score_over_pages(desk):
    client, out, _, seed = desk
    expected = queue_ids(out)
    anomalies = pl.read_parquet(dataset_path(out, "anomalies"))
    assert len(expected) > SETTINGS.page_size and len(expected) > anomalies["is_flagged"].sum() - 1
    shown = listed(client)
    assert sorted(shown) == sorted(expected) and len(shown) == len(set(shown))
    assert seed["filing_id"] in shown  # the seed has error findings
    assert shown[0] == expected[0]  # 今日优先: by rank while nothing is decided
    page = client.get("/").text
    assert "今日优先" in page and f"共 {len(expected)} 个" in page


def test_filters_and_sorting_are_done_on_the_server(desk):
    client, out, _, seed = desk
    anomalies = pl.read_parquet(dataset_path(out, "anomalies")).filter(in_queue(SETTINGS))
    jianghan = anomalies.filter(pl.col("region") == "江汉区")["filing_id"].to_list()
    assert listed(client, "region=江汉区") == jianghan == [fid("hostile")]
    assert listed(client, "rule=perf.shares") == [seed["filing_id"]]
    assert listed(client, "severity=error") == [seed["filing_id"]]
    assert set(listed(client, "severity=outlier")) == set(anomalies.filter(pl.col("score") >= 0.45)["filing_id"])
    assert listed(client, f"q={seed['filing_id'][:10]}") == [seed["filing_id"]]
    assert listed(client, "year=1999") == [] and "没有符合条件的文件" in client.get("/?year=1999").text
    by_score = listed(client, "sort=score")
    scores = dict(anomalies.select("filing_id", "score").iter_rows())
    assert [scores[f] for f in by_score] == sorted(scores.values(), reverse=True)
    assert listed(client, "sort=score&order=asc") == list(reversed(by_score))
    assert client.get("/?sort=nonsense&page=-3&year=x").status_code == 200  # bad parameters mean no filter


def test_the_filing_page_groups_findings_by_cause_with_chinese_titles_and_evidence(desk):
    client, out, _, seed = desk
    html = client.get(f"/filing/{seed['filing_id']}").text
    failed = pl.read_parquet(dataset_path(out, "checks")).filter(
        (pl.col("filing_id") == seed["filing_id"]) & pl.col("is_passed").not_()
    )
    roots = failed.filter(pl.col("caused_by_id").is_null())
    assert html.count('<div class="cause ') == failed.height  # causes, and their consequences inside <details>
    assert (
        html.count("由此引起的其他")
        == roots.join(failed.select(pl.col("caused_by_id").alias("finding_id")).unique(), on="finding_id").height
    )
    assert "整体绩效目标表占比应与金额相符" in html and "应为" in html and "填列" in html and "相差" in html
    assert "各项“占比”应等于该项金额除以合计" in html  # the rule's explanation
    assert "该部门各年度" in html and "与同类部门比较" in html and "主要数字" in html
    history = html[html.index('id="history-table"') :]
    assert f'href="/filing/{fid("final-2024")}"' in history and "<td>决算</td>" in history  # its 决算 too
    crops = re.findall(r'src="(/evidence/[^"]+/crop\.png)"', html)
    assert crops
    response = client.get(crops[0])
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content)).convert("RGB")
    pixels = image.tobytes()
    reds = sum(1 for i in range(0, len(pixels), 3) if pixels[i] > 200 and pixels[i + 1] < 40 and pixels[i + 2] < 40)
    assert reds > 100  # the red boxes
    whole = client.get(crops[0].replace("/crop.png", "/page.png"))
    assert whole.status_code == 200 and Image.open(io.BytesIO(whole.content)).height > image.height
    cached = list((out / "evidence" / seed["filing_id"]).glob("page-*.png"))
    assert cached and all(p.resolve().is_relative_to(out.resolve()) for p in cached)


def test_a_decision_takes_effect_at_once_and_is_kept_with_its_history(desk):
    client, out, store, seed = desk
    target = seed["filing_id"]
    assert target in listed(client, "status=pending")
    token = csrf(client, target)
    form = {"csrf": token, "filing_id": target, "status": "dismissed", "note": "已核实：<b>机构改革</b>", "by": "张三"}
    done = client.post("/decide", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/filing/{target}"
    assert target not in listed(client, "status=pending") and target in listed(client, "status=dismissed")
    page = client.get(f"/filing/{target}").text
    assert "已排除" in page and "已核实：&lt;b&gt;机构改革&lt;/b&gt;" in page and 'value="张三"' in page
    # one finding: confirmed; the filing's status stays the filing-level decision
    finding = pl.read_parquet(dataset_path(out, "checks")).filter(
        (pl.col("filing_id") == target) & pl.col("is_passed").not_()
    )["finding_id"][0]
    form.update(status="confirmed", finding_id=finding, note="该处确有错误")
    assert client.post("/decide", data=form, follow_redirects=False).status_code == 303
    decisions = review_store.all_decisions(store)
    assert [(d.status, d.finding_id) for d in decisions] == [("dismissed", None), ("confirmed", finding)]
    assert decisions[1].rule_id == finding.split(":")[0] and target in listed(client, "status=dismissed")
    # a later decision overrides, the history keeps both; the store refuses to rewrite history
    form.update(status="needs-info", finding_id="", note="请补充说明")
    client.post("/decide", data=form)
    assert target in listed(client, "status=needs-info") and "请补充说明" in client.get(f"/filing/{target}").text
    with sqlite3.connect(store) as connection, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        connection.execute("UPDATE decisions SET status = 'confirmed'")
    with sqlite3.connect(store) as connection, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        connection.execute("DELETE FROM decisions")
    listed_cli = CliRunner().invoke(cli, ["review", "--list", "--output", str(out), "--store", str(store)])
    assert "[需补充材料] #" in listed_cli.output and target[:12] in listed_cli.output


def test_decisions_need_a_post_with_the_token_from_the_desk(desk):
    client, _, store, seed = desk
    target = seed["filing_id"]
    form = {"filing_id": target, "status": "dismissed", "note": "", "by": "张三"}
    assert client.post("/decide", data=form).status_code == 403
    assert client.post("/decide", data={**form, "csrf": "forged"}).status_code == 403
    token = csrf(client, target)
    cross_site = client.post("/decide", data={**form, "csrf": token}, headers={"Origin": "http://evil.example"})
    assert cross_site.status_code == 403
    assert client.get("/decide").status_code in (404, 405)
    assert client.post("/decide", data={**form, "csrf": token, "by": " "}).status_code == 400  # no reviewer
    assert client.post("/decide", data={**form, "csrf": token, "status": "ignored"}).status_code == 400
    assert client.post("/decide", data={**form, "csrf": token, "finding_id": "x.y:99"}).status_code == 404
    assert review_store.all_decisions(store) == []
    away = client.post("/decide", data={**form, "csrf": token, "next": "//evil.example/"}, follow_redirects=False)
    assert away.headers["location"] == f"/filing/{target}"  # never redirected to another host


def test_pdf_text_is_escaped_and_the_desk_refuses_other_hosts_and_paths(desk):
    client, out, _, _ = desk
    html = client.get("/?region=江汉区").text
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;区档案局" in html
    page = client.get(f"/filing/{fid('hostile')}")
    assert "<script>alert" not in page.text and "default-src 'none'" in page.headers["content-security-policy"]
    assert "<script" not in html.replace("&lt;script", "")  # the desk runs no script
    rebinding = TestClient(client.app, base_url="http://evil.example")
    assert rebinding.get("/").status_code == 400
    for path in (
        "/evidence/../../etc/passwd",
        "/evidence/%2e%2e/%2e%2e/etc/passwd",
        f"/evidence/{'a' * 64}/page/1.png",
        "/evidence/..%2f..%2f/page/1.png",
        f"/filing/{'0' * 63}",
        "/static/../../configs/review.toml",
    ):
        response = client.get(path)
        assert response.status_code == 404 and b"root:" not in response.content, path
    with pytest.raises(evidence.EvidenceUnavailable):
        evidence.filing_folder(out, "../../etc")


def test_exports_are_the_filtered_queue_with_pages_links_and_no_formulas(desk):
    client, out, _, seed = desk
    response = client.get("/export.csv?region=江汉区")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["排名", "地区", "部门"] and len(rows) == 2
    assert rows[1][2].startswith("'=HYPERLINK") and rows[1][18] == f"http://127.0.0.1:8765/filing/{fid('hostile')}"
    everything = list(csv.reader(io.StringIO(client.get("/export.csv").content.decode("utf-8-sig"))))
    failed = pl.read_parquet(dataset_path(out, "checks")).filter(
        (pl.col("filing_id") == seed["filing_id"]) & pl.col("is_passed").not_()
    )
    seed_rows = [r for r in everything if r[19] == seed["filing_id"]]
    assert len(seed_rows) == failed.height and all(r[17] for r in seed_rows)  # pages of every finding
    assert {r[19] for r in everything[1:]} == set(queue_ids(out))
    book = load_workbook(io.BytesIO(client.get("/export.xlsx?region=江汉区").content))
    sheet = book["复核队列"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][2] == "部门" and values[1][2].startswith("'=HYPERLINK") and sheet.cell(2, 3).data_type == "s"
    assert ["region", "江汉区"] in [[c.value for c in r] for r in book["筛选条件"].iter_rows()]


def test_a_new_generation_is_read_without_restarting(desk, tmp_path):
    client, out, _, _ = desk
    copy = tmp_path / "copy"
    shutil.copytree(data_dir(out), data_dir(copy))
    moving = TestClient(create_app(copy, tmp_path / "d.sqlite", SETTINGS), base_url="http://127.0.0.1")
    before = listed(moving)
    anomalies = pl.read_parquet(dataset_path(copy, "anomalies"))
    calm = anomalies.with_columns(pl.lit(0.1).alias("score"), pl.lit(0).cast(pl.Int32).alias("n_errors"))
    calm.write_parquet(dataset_path(copy, "anomalies"))
    assert before and listed(moving) == []


def test_commands_say_in_one_chinese_line_when_the_output_folder_is_not_one(tmp_path):
    runner = CliRunner()
    missing, other = tmp_path / "missing", tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("x", encoding="utf-8")
    for args in (
        ["check", str(missing)],
        ["features", str(missing)],
        ["score", str(missing)],
        ["report", str(missing)],
        ["review", "--list", "--output", str(missing)],
        ["serve-review", "--output", str(missing)],
        ["evaluate", "--labels", str(tmp_path / "labels.json"), "--output", str(missing)],
        ["report", str(other)],
        ["serve-review", "--output", str(other)],
        ["run", "--output", str(other)],
        ["parse", str(tmp_path), "--output", str(other)],
        ["run", "--output", str(other / "notes.txt")],
    ):
        done = runner.invoke(cli, args)
        lines = done.output.strip().splitlines()
        assert done.exit_code == 2 and len(lines) == 1 and "Traceback" not in done.output, (args, done.output)
        assert "输出目录" in lines[0] or "不是目录" in lines[0], (args, lines)
