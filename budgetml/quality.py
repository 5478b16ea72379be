"""A filing's quality (filings.quality, filings.n_error_findings): how far a researcher may rely on its figures.

    failed        the file could not be parsed (status failed)
    partial       some tables could not be read (status partial), whatever the checks say
    has_errors    parsed fully, at least one failed check of severity error
    has_warnings  parsed fully, failed checks of severity warning only
    clean         parsed fully and no failed check of severity error or warning (info findings allowed)
    null          parsed fully but the checks have not run

The parse datasets carry what the parse knows (failed, partial, else null); the checks stage fills in
the rest from checks.parquet when it writes it (`with_quality`), so a generation's filings and checks
always agree.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from budgetml.schema import FILINGS

CHECKED_COLUMNS = ("quality", "n_error_findings")  # the columns of filings the checks stage writes


def quality_of(status: str, n_errors: int | None, n_warnings: int | None) -> str | None:
    """The quality of one filing from its status and its failed checks (None: the checks have not run)."""
    if status in ("failed", "partial"):
        return status
    if n_errors is None or n_warnings is None:
        return None
    if n_errors:
        return "has_errors"
    return "has_warnings" if n_warnings else "clean"


def with_quality(filings: pa.Table, checks: pa.Table | None) -> pa.Table:
    """filings with quality and n_error_findings from checks.parquet's failed checks (None: checks not run)."""
    failed: dict[tuple[str, str], int] = {}
    if checks is not None:  # the checks stage runs over every filing that did not fail
        rows = checks.filter(pc.equal(checks["is_passed"], False)).select(["filing_id", "severity"])
        for filing_id, severity in zip(rows["filing_id"].to_pylist(), rows["severity"].to_pylist()):
            failed[filing_id, severity] = failed.get((filing_id, severity), 0) + 1
    quality, n_errors = [], []
    for filing_id, status in zip(filings["filing_id"].to_pylist(), filings["status"].to_pylist()):
        was_checked = checks is not None and status != "failed"
        errors = failed.get((filing_id, "error"), 0) if was_checked else None
        warnings = failed.get((filing_id, "warning"), 0) if was_checked else None
        quality.append(quality_of(status, errors, warnings))
        n_errors.append(errors)
    return _set(_set(filings, "quality", quality), "n_error_findings", n_errors)


def _set(table: pa.Table, name: str, values: list) -> pa.Table:
    index = table.schema.get_field_index(name)
    field = FILINGS.arrow_schema().field(name)
    return table.set_column(index, field, pa.array(values, field.type))
