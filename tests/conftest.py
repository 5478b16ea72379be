"""Shared test fixtures: paths to the shared real documents (skipped when absent) and parsed results."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
PUTUO_PDF = SHARED / "real" / "sh-putuo-sifaju-2026-dept-budget.pdf"
SEED_TEXT = REPO / "data" / "seed" / "wuchang-jingxinju-2025-budget.txt"


@pytest.fixture(autouse=True, scope="session")
def stalling_files():
    """Parser workers stall on files named with flowdata.STALL_MARKER: time limits hit on any machine."""
    from budgetml.isolation import STALL_MARKER_ENV
    from tests.flowdata import STALL_MARKER

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(STALL_MARKER_ENV, STALL_MARKER)
        yield


@pytest.fixture(scope="session")
def putuo_parsed():
    if not PUTUO_PDF.exists():
        pytest.skip(f"real PDF not available at {PUTUO_PDF}")
    from budgetml.parse import parse_file

    return parse_file(PUTUO_PDF)


@pytest.fixture(scope="session")
def seed_fixture_pdf(tmp_path_factory):
    from budgetml.synth.seed import write_fixture

    return write_fixture(tmp_path_factory.mktemp("fixture"))


@pytest.fixture(scope="session")
def seed_parsed(seed_fixture_pdf):
    from budgetml.parse import parse_file

    return parse_file(seed_fixture_pdf)


@pytest.fixture(scope="session")
def seed_checked(seed_fixture_pdf, tmp_path_factory):
    """The seed fixture parsed and checked: the output folder with all datasets."""
    from budgetml.checks.rulebook import check_output
    from budgetml.parse import parse_to_datasets

    out = tmp_path_factory.mktemp("seed_out")
    parse_to_datasets([seed_fixture_pdf], out)
    check_output(out)
    return out
