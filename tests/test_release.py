"""The data release on a run like `make run`'s: datapackage.json, self-describing files, keys, the README's queries.

One nightly run (Prefect's temporary server, as `make run`) over a sample corpus of the three sample
districts × two departments × three years plus the seed fixture; each test reads its output.
"""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from budgetml.datapackage import FILE_NAME
from budgetml.datasets import read_table
from budgetml.layout import data_dir, dataset_files, dataset_path, partitioned_path
from budgetml.schema import DATASETS, FILINGS, LINE_ITEMS, SCHEMA_VERSION
from budgetml.synth.corpus import generate_corpus
from budgetml.synth.seed import write_fixture
from tests.conftest import REPO
from tests.flowdata import TEST_MEMORY_LIMIT_MB, TEST_TIME_LIMIT_S

CORPUS = dict(districts=3, departments=["statistics", "education"], years=[2023, 2024, 2025], seed=0)
PIPELINE = ("filings", "line_items", "tables", "form_cells", "narrative", "claims", "checks", "features", "anomalies")


def settings_file(folder: Path, partition_over: int = 2000) -> str:
    path = folder / f"nightly-{partition_over}.toml"
    path.write_text(
        f"[parse]\nworkers = 2\ntime_limit_s = {TEST_TIME_LIMIT_S}\nmemory_limit_mb = {TEST_MEMORY_LIMIT_MB}\n"
        f"[output]\npartition_over_filings = {partition_over}\n",
        encoding="utf-8",
    )
    return str(path)


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """(output folder, labels, run summary) of one run over the corpus and the seed fixture."""
    from flows.nightly import nightly

    base = tmp_path_factory.mktemp("release")
    labels = generate_corpus(base / "sample", **CORPUS)
    write_fixture(base / "fixtures")
    out = base / "output"
    summary = nightly(
        inputs=[str(base / "sample"), str(base / "fixtures")], output=str(out), settings_path=settings_file(base)
    )
    return out, json.loads(labels.read_text(encoding="utf-8"))["filings"], summary


def descriptor(out: Path) -> dict:
    return json.loads((data_dir(out) / FILE_NAME).read_text(encoding="utf-8"))


# ---------------------------------------------------------------- self-describing files


def test_every_field_of_every_file_carries_its_description_and_unit(release):
    out, _, summary = release
    declared = {d.name: d for d in DATASETS}
    found = set()
    for dataset in DATASETS:
        for path in dataset_files(out, dataset):
            found.add(dataset.name)
            schema = pq.read_schema(path)
            meta = schema.metadata
            assert meta[b"budgetml.dataset"].decode() == dataset.name
            assert meta[b"budgetml.schema_version"] == str(SCHEMA_VERSION).encode()
            assert meta[b"budgetml.parser_version"] and meta[b"budgetml.version"] and meta[b"budgetml.created_at"]
            assert int(meta[b"budgetml.n_inputs"]) == summary.n_files - summary.n_duplicate
            assert json.loads(meta[b"budgetml.primary_key"]) == list(dataset.key)
            for field, column in zip(schema, declared[dataset.name].columns, strict=True):
                assert field.name == column.name
                assert field.metadata[b"description"].decode() == column.description, (dataset.name, field.name)
                assert field.metadata[b"unit"].decode() == (column.unit or "none"), (dataset.name, field.name)
    assert found == set(declared), "every declared dataset is written by a full run"


def test_the_datapackage_is_valid_for_frictionless(release):
    """The descriptor as frictionless validates it; then every file's rows against it (types, required, allowed
    values, primary and foreign keys) by frictionless too. The rows are handed over as Python values read
    with pyarrow: frictionless's own Parquet reader goes through pandas, which turns list columns into
    numpy arrays and nullable integers into floats, and then rejects both as the wrong type."""
    from frictionless import Package

    out, _, _ = release
    path = data_dir(out) / FILE_NAME
    report = Package.validate_descriptor(str(path))
    assert report.valid, report.flatten(["type", "note"])
    resources = []
    for resource in descriptor(out)["resources"]:
        table = read_table(_dataset(resource["name"]), out)
        if resource["name"] in ("line_items", "form_cells", "checks"):  # large, and no dataset refers to them
            table = table.slice(0, 3000)
        inline = {k: v for k, v in resource.items() if k not in ("path", "format", "mediatype")}
        resources.append({**inline, "data": table.to_pylist()})
    report = Package({"name": "rows", "resources": resources}).validate()
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])[:10]
    assert sum(task.stats["rows"] for task in report.tasks) > 5000


def test_the_datapackage_matches_the_files_field_by_field(release):
    out, _, _ = release
    package = descriptor(out)
    by_name = {d.name: d for d in DATASETS}
    assert [r["name"] for r in package["resources"]] == [d.name for d in DATASETS]
    for resource in package["resources"]:
        dataset = by_name[resource["name"]]
        paths = resource["path"] if isinstance(resource["path"], list) else [resource["path"]]
        assert [data_dir(out) / p for p in paths] == dataset_files(out, dataset)
        for path in paths:
            schema = pq.read_schema(data_dir(out) / path)
            fields = resource["schema"]["fields"]
            assert [f["name"] for f in fields] == schema.names
            for field, arrow, column in zip(fields, schema, dataset.columns, strict=True):
                meta = arrow.metadata
                assert field["arrowType"] == str(column.dtype) and arrow.type == column.dtype, (dataset.name, arrow)
                assert field["description"] == meta[b"description"].decode()
                assert field["unit"] == meta[b"unit"].decode()
                assert field.get("constraints", {}).get("required", False) == (not arrow.nullable)
        assert resource["schema"]["primaryKey"] == list(dataset.key)
        table = read_table(dataset, out)
        key = pl.from_arrow(table.select(list(dataset.key)))
        assert key.n_unique() == table.num_rows, f"{dataset.name}: primary key {dataset.key} is not unique"


def test_every_foreign_key_resolves(release):
    out, _, _ = release
    n_keys = 0
    for resource in descriptor(out)["resources"]:
        for fk in resource["schema"].get("foreignKeys", []):
            n_keys += 1
            target = fk["reference"]["resource"] or resource["name"]
            child = duckdb.from_arrow(read_table(_dataset(resource["name"]), out))  # noqa: F841 - used in SQL
            parent = duckdb.from_arrow(read_table(_dataset(target), out))  # noqa: F841 - used in SQL
            on = " AND ".join(f"c.{a} = p.{b}" for a, b in zip(fk["fields"], fk["reference"]["fields"]))
            present = " AND ".join(f"c.{a} IS NOT NULL" for a in fk["fields"])
            ((missing,),) = duckdb.sql(
                f"SELECT count(*) FROM child c WHERE {present} AND NOT EXISTS (SELECT 1 FROM parent p WHERE {on})"
            ).fetchall()
            assert missing == 0, f"{resource['name']}.{fk['fields']} → {target}: {missing} rows do not resolve"
    assert n_keys >= 15


def test_every_cell_a_finding_cites_is_a_printed_cell(release):
    out, _, _ = release
    cells = set(read_table(_dataset("line_items"), out)["cell_id"].to_pylist())
    cells |= set(read_table(_dataset("form_cells"), out)["cell_id"].to_pylist())
    checks = read_table(_dataset("checks"), out)
    cited = [c for ids in checks["cell_ids"].to_pylist() for c in ids if c is not None]
    assert cited and set(cited) <= cells
    for ids, bboxes in zip(checks["cell_ids"].to_pylist(), checks["bboxes"].to_pylist()):
        assert len(ids) == len(bboxes)
        assert all((c is None) == (b is None) for c, b in zip(ids, bboxes)), "a cell has a box, a sentence none"


def _dataset(name: str):
    return next(d for d in DATASETS if d.name == name)


# ---------------------------------------------------------------- exact figures and quality


def test_amounts_are_exact_and_the_float_is_their_wan(release):
    out, _, _ = release
    filings = pl.read_parquet(dataset_path(out, FILINGS))
    for name in ("total_expenditure", "sangong_total"):
        rows = filings.filter(pl.col(f"{name}_yuan").is_not_null())
        assert rows.height > 10
        for yuan, wan in rows.select(f"{name}_yuan", f"{name}_wan").iter_rows():
            assert isinstance(yuan, Decimal) and float(yuan / 10000) == wan
    checks = pl.read_parquet(dataset_path(out, "checks"))
    money = checks.filter(pl.col("unit").is_in(["元", "万元"]), pl.col("expected").is_not_null())
    assert money.height and money["expected_yuan"].null_count() == 0
    factor = money["unit"].replace_strict({"元": 1, "万元": 10000}, return_dtype=pl.Float64)
    assert ((money["expected_yuan"].cast(pl.Float64) - money["expected"] * factor).abs() < 1e-3).all()
    assert (
        checks.filter(pl.col("unit") == "%")["expected_yuan"].null_count()
        == checks.filter(pl.col("unit") == "%").height
    )


def test_quality_follows_the_checks(release):
    out, _, _ = release
    filings = pl.read_parquet(dataset_path(out, FILINGS))
    checks = pl.read_parquet(dataset_path(out, "checks"))
    failed = checks.filter(~pl.col("is_passed")).group_by("filing_id", "severity").len()
    errors = dict(failed.filter(pl.col("severity") == "error").select("filing_id", "len").iter_rows())
    warnings = dict(failed.filter(pl.col("severity") == "warning").select("filing_id", "len").iter_rows())
    seen = set()
    for row in filings.iter_rows(named=True):
        n_errors, n_warnings = errors.get(row["filing_id"], 0), warnings.get(row["filing_id"], 0)
        expected = (
            row["status"]
            if row["status"] != "ok"
            else "has_errors"
            if n_errors
            else "has_warnings"
            if n_warnings
            else "clean"
        )
        assert row["quality"] == expected and row["n_error_findings"] == n_errors, row["filing_id"]
        seen.add(expected)
    assert {"clean", "has_errors"} <= seen  # the seed prints real inconsistencies; most of the sample is clean


# ---------------------------------------------------------------- stable keys


def test_department_id_links_every_sample_department_across_its_three_years(release):
    out, labels, _ = release
    filings = {r["filing_id"]: r for r in pl.read_parquet(dataset_path(out, FILINGS)).iter_rows(named=True)}
    departments = {
        r["department_id"]: r for r in pl.read_parquet(dataset_path(out, "departments")).iter_rows(named=True)
    }
    by_department: dict[tuple[str, str], set[str | None]] = {}
    for label in labels:
        by_department.setdefault((label["region"], label["department"]), set()).add(
            filings[label["filing_id"]]["department_id"]
        )
    assert len(by_department) == 3 * 2
    linked = [key for key, ids in by_department.items() if len(ids) == 1 and None not in ids]
    assert len(linked) == len(by_department), "100 % of the sample's departments are one department_id"
    ids = [next(iter(i)) for i in by_department.values()]
    assert len(set(ids)) == len(ids)
    for department_id in ids:
        row = departments[department_id]
        # three budgets (2023–2025) and the 决算 of the two years that have closed
        kinds = sorted(f["doc_kind"] for f in filings.values() if f["department_id"] == department_id)
        assert kinds == ["budget"] * 3 + ["final_account"] * 2
        assert (row["first_year"], row["last_year"], row["n_filings"]) == (2023, 2025, 5)
        assert [n["year"] for n in row["names"]] == [2023, 2024, 2025]


def test_every_sample_district_has_its_real_code(release):
    out, labels, summary = release
    filings = pl.read_parquet(dataset_path(out, FILINGS))
    codes = dict(filings.select("region", "region_code").unique().iter_rows())
    assert codes == {"武昌区": "420106", "上海市普陀区": "310107", "江汉区": "420103"}
    assert {label["region"] for label in labels} <= set(codes)
    assert summary.unknown_regions == ()
    regions = pl.read_parquet(dataset_path(out, "regions")).filter(pl.col("n_filings") > 0)
    assert dict(regions.select("region_code", "name").iter_rows()) == {
        "310107": "上海市普陀区",
        "420103": "武汉市江汉区",
        "420106": "武汉市武昌区",
    }


def test_the_code_dictionary_names_levels_and_parents(release):
    out, _, _ = release
    codes = pl.read_parquet(dataset_path(out, "function_codes"))
    row = codes.filter(pl.col("code") == "2080505").row(0, named=True)
    assert (row["level"], row["parent_code"], row["name"]) == ("项", "20805", "机关事业单位基本养老保险缴费支出")
    assert {n["year"] for n in row["names"]} == {2023, 2024, 2025}
    assert codes.filter(pl.col("code") == "208")["level"].to_list() == ["类"]
    economic = pl.read_parquet(dataset_path(out, "economic_codes"))
    assert economic.filter(pl.col("code") == "30101")["name"].to_list() == ["基本工资"]
    assert set(economic["code"].str.len_chars().unique()) <= {3, 5}


# ---------------------------------------------------------------- the README's queries


def readme_blocks() -> list[tuple[str, str]]:
    """The python and sql blocks of the README's researcher section, in order."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## For researchers") :]
    section = section[: section.index("\n## ", 3)]
    return re.findall(r"```(python|sql)\n(.*?)```", section, re.S)


def test_the_readme_queries_run_and_say_the_right_things(release, capsys):
    out, _, _ = release
    blocks = readme_blocks()
    assert [lang for lang, _ in blocks].count("sql") >= 1 and len(blocks) >= 4
    names: dict = {}
    sql_results = []
    for lang, code in blocks:
        code = code.replace("output/", f"{out}/")
        if lang == "python":
            exec(compile(code, "README.md", "exec"), names)  # noqa: S102 - the README's own snippets
        else:
            sql_results.append(duckdb.sql(code).pl())
    filings = pl.read_parquet(dataset_path(out, FILINGS))
    share = names["sangong_share"]
    assert share.height > 0 and share["district"].null_count() == 0
    clean = filings.filter(
        pl.col("doc_kind") == "budget", pl.col("quality") == "clean", pl.col("sangong_total_yuan").is_not_null()
    )
    assert share["n_filings"].sum() == clean.height
    history = names["history"]
    assert history.select("year", "doc_kind").rows() == [
        (2023, "budget"),
        (2023, "final_account"),
        (2024, "budget"),
        (2024, "final_account"),
        (2025, "budget"),
    ]
    assert set(history["department"]) == {"武昌区统计局"}
    (sums,) = sql_results
    items = pl.read_parquet(dataset_path(out, LINE_ITEMS)).join(filings, on="filing_id")
    expected = items.filter(
        pl.col("code") == "2080505",
        pl.col("table_id") == "expenditure_summary",
        pl.col("column_name") == "total",
        pl.col("quality").is_in(["clean", "has_warnings"]),
    )
    assert sums.height > 0 and sums["amount_yuan"].dtype == pl.Decimal(38, 4)
    assert sum(sums["amount_yuan"].to_list(), Decimal(0)) == sum(expected["amount_yuan"].to_list(), Decimal(0))
    assert "features" in names and "anomalies" in names


# ---------------------------------------------------------------- partitions


def test_past_the_threshold_line_items_are_partitioned_by_year_and_read_as_one(release, tmp_path):
    """The same inputs past a small threshold: a rerun (nothing parsed) lays line_items and form_cells out by year."""
    from flows.nightly import nightly

    out, _, first = release
    copy = tmp_path / "output"
    shutil.copytree(out, copy, symlinks=True)
    summary = nightly(inputs=list(first.inputs), output=str(copy), settings_path=settings_file(tmp_path, 5))
    assert summary.n_parsed == 0
    for name in ("line_items", "form_cells"):
        folder = partitioned_path(copy, name)
        assert folder.is_dir() and not (data_dir(copy) / f"{name}.parquet").exists()
        assert sorted(p.name for p in folder.iterdir()) == ["year=2023", "year=2024", "year=2025"]
        single = pl.read_parquet(dataset_path(out, name))
        polars_read = pl.scan_parquet(folder, hive_partitioning=False).collect()
        assert polars_read.schema == single.schema
        assert polars_read.sort("cell_id").equals(single.sort("cell_id"))
        duck_single = duckdb.sql(f"SELECT * FROM '{dataset_path(out, name)}' ORDER BY cell_id")
        duck = duckdb.sql(
            f"SELECT * FROM read_parquet('{folder}/*/*.parquet', hive_partitioning = false) ORDER BY cell_id"
        )
        assert duck.types == duck_single.types and duck.columns == duck_single.columns
        assert duck.fetchall() == duck_single.fetchall()
    for name in PIPELINE:  # the stages read the partitions as they read one file: the same rows
        if name in ("line_items", "form_cells"):
            continue
        before, after = read_table(_dataset(name), out), read_table(_dataset(name), copy)
        if name == "anomalies":  # flagged before: no longer new
            before, after = before.drop_columns(["is_new_flag"]), after.drop_columns(["is_new_flag"])
        assert after.equals(before), name
    package = descriptor(copy)
    paths = next(r["path"] for r in package["resources"] if r["name"] == "line_items")
    assert paths == [f"line_items/year={y}/part-0.parquet" for y in (2023, 2024, 2025)]
    assert pc.sum(pq.read_table(data_dir(copy) / paths[0])["year"]).as_py() > 0
    partitions = {p: p.stat().st_ino for p in dataset_files(copy, LINE_ITEMS)}
    again = nightly(inputs=list(first.inputs), output=str(copy), settings_path=settings_file(tmp_path, 5))
    assert (again.n_parsed, again.n_findings) == (0, first.n_findings)  # the checks read the carried partitions
    assert {p: p.stat().st_ino for p in dataset_files(copy, LINE_ITEMS)} == partitions  # kept, not rewritten
