"""datapackage.json: the datasets of a data folder as a Frictionless Data Package, from the declarations in schema.py.

One tabular resource per dataset present (its Parquet file, or the files of its year partitions),
with its fields (Table Schema type, description, unit, example, required and allowed values), its
primary key and its foreign keys to the datasets present beside it. datasets.write_table writes it
again after every write, so it describes exactly the files in the folder.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pyarrow as pa

from budgetml import __version__
from budgetml.layout import dataset_files
from budgetml.schema import DATASETS, NO_UNIT, SCHEMA_VERSION, Column, Dataset

FILE_NAME = "datapackage.json"
PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"


def field_type(dtype: pa.DataType) -> str:
    """The Table Schema type of an Arrow type (exact decimals are numbers; lists arrays; structs objects)."""
    if pa.types.is_boolean(dtype):
        return "boolean"
    if pa.types.is_integer(dtype):
        return "integer"
    if pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return "number"
    if pa.types.is_timestamp(dtype):
        return "datetime"
    if pa.types.is_list(dtype) or pa.types.is_fixed_size_list(dtype):
        return "array"
    if pa.types.is_struct(dtype):
        return "object"
    return "string"


def field_descriptor(column: Column) -> dict:
    """One Table Schema field: name, type, description, unit, example, the Arrow type written, constraints."""
    field = {
        "name": column.name,
        "type": field_type(column.dtype),
        "description": column.description,
        "unit": column.unit or NO_UNIT,
        "arrowType": str(column.dtype),
    }
    if column.example is not None:
        field["example"] = column.example
    constraints = {}
    if not column.nullable:
        constraints["required"] = True
    if column.values is not None:
        constraints["enum"] = list(column.values)
    if constraints:
        field["constraints"] = constraints
    return field


def resource_descriptor(dataset: Dataset, paths: list[str], present: set[str]) -> dict:
    """One tabular resource; foreign keys only to datasets present (a reference to a missing one would not resolve)."""
    schema: dict = {
        "fields": [field_descriptor(c) for c in dataset.columns],
        "missingValues": [],  # Parquet has nulls: an empty string is a value (a row printed without a label)
        "primaryKey": list(dataset.key),
    }
    keys = [
        {
            "fields": list(fk.columns),
            "reference": {"resource": fk.dataset, "fields": list(fk.dataset_columns)},
        }
        for fk in dataset.foreign_keys
        if fk.dataset in present
    ]
    if keys:
        schema["foreignKeys"] = keys
    return {
        "name": dataset.name,
        "type": "table",
        "path": paths[0] if len(paths) == 1 else paths,
        "format": "parquet",
        "mediatype": PARQUET_MEDIATYPE,
        "description": dataset.description,
        "schema": schema,
    }


def package_descriptor(data_folder: Path) -> dict:
    """The descriptor of the datasets found in a data folder (OUT/data)."""
    out = Path(data_folder).parent  # the output folder whose data/ this is
    found = {}
    for dataset in DATASETS:
        files = dataset_files(out, dataset)
        if files:
            found[dataset.name] = [path.relative_to(data_folder).as_posix() for path in files]
    return {
        "$schema": PROFILE,
        "name": "budgetml-datasets",
        "title": "部门预算公开数据（budgetml）",
        "description": "Department budget disclosures (部门预算/决算 PDFs) parsed into Parquet, with consistency "
        "checks, features and review flags. Columns and units: docs/datasets.md; naming: docs/conventions.md.",
        "version": f"schema-{SCHEMA_VERSION}",
        "budgetml_version": __version__,
        "resources": [
            resource_descriptor(dataset, found[dataset.name], set(found))
            for dataset in DATASETS
            if dataset.name in found
        ],
    }


def write_datapackage(data_folder: Path) -> Path:
    """Write data_folder/datapackage.json (a temporary file renamed into place); returns its path."""
    folder = Path(data_folder)
    target = folder / FILE_NAME
    text = json.dumps(package_descriptor(folder), ensure_ascii=False, indent=1) + "\n"
    fd, tmp_name = tempfile.mkstemp(prefix=".datapackage.", suffix=".tmp", dir=folder)
    os.fchmod(fd, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target
