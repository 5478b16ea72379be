"""budgetml/schema.toml read into the schema's records: every declared dataset published, the declaration's rules."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from budgetml.schema import DATASETS, STATUSES, YUAN, load_declarations

SMALL = """
[shared.filing_id]
name = "filing_id"
type = "string"
nullable = false
description = "The filing."

[[dataset]]
name = "things"
key = ["filing_id", "n"]
foreign_keys = [{ columns = ["filing_id"], dataset = "filings" }, { columns = ["other_id"], dataset = "filings", dataset_columns = ["filing_id"] }]
partition_by = "n"
description = "Things."

[[dataset.column]]
use = "filing_id"

[[dataset.column]]
name = "n"
type = "int32"
unit = "count"
nullable = false
description = "A count."

[[dataset.column]]
name = "status"
type = "string"
values = "statuses"
description = "A status."

[[dataset.column]]
name = "kind"
type = "string"
values = ["a", "b"]
example = "a"
description = "A kind."

[[dataset.column]]
use = "final_figures"
"""


def test_every_declared_dataset_is_published_and_every_published_one_declared():
    built_here = {"function_codes", "economic_codes"}  # schema._code_dictionary
    assert set(load_declarations()) == {d.name for d in DATASETS} - built_here


def test_a_declaration_reads_into_its_columns_in_order(tmp_path: Path):
    path = tmp_path / "schema.toml"
    path.write_text(SMALL, encoding="utf-8")
    things = load_declarations(path)["things"]
    assert [c.name for c in things.columns] == [
        "filing_id",
        "n",
        "status",
        "kind",
        "final_yuan",
        "final_wan",
        "final_page",
        "final_bbox",
    ]
    filing_id, n, status, kind, final_yuan = things.columns[:5]
    assert (filing_id.dtype, filing_id.nullable, filing_id.unit) == (pa.string(), False, None)
    assert (n.dtype, n.unit, n.nullable) == (pa.int32(), "count", False)
    assert (status.values, status.nullable) == (STATUSES, True)
    assert (kind.values, kind.example) == (("a", "b"), "a")
    assert (final_yuan.dtype, final_yuan.unit) == (YUAN, "元")
    assert things.key == ("filing_id", "n") and things.partition_by == "n"
    assert [(fk.columns, fk.dataset, fk.dataset_columns) for fk in things.foreign_keys] == [
        (("filing_id",), "filings", ("filing_id",)),
        (("other_id",), "filings", ("filing_id",)),
    ]
