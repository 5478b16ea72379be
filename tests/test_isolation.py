"""Every kind of bad file fails alone, with a clear Chinese error; a stalled or exploding parse is cut off by the limits."""

from __future__ import annotations

import os
import signal

import pytest

from budgetml.incremental import hash_inputs
from budgetml.isolation import parse_isolated
from budgetml.settings import ParseLimits
from tests import flowdata


@pytest.fixture(scope="module")
def bad_set(tmp_path_factory):
    return flowdata.bad_inputs(tmp_path_factory.mktemp("bad"))


def test_bad_inputs_fail_alone_with_clear_errors(bad_set):
    files = hash_inputs(list(bad_set.values()))
    limits = ParseLimits(flowdata.TEST_TIME_LIMIT_S, flowdata.TEST_MEMORY_LIMIT_MB)
    seen = []
    outcomes = parse_isolated(files, limits, workers=2, on_outcome=seen.append)
    by_kind = {kind: outcomes[[f.source_path for f in files].index(str(path))] for kind, path in bad_set.items()}
    for kind, expected in flowdata.EXPECTED_ERRORS.items():
        outcome = by_kind[kind]
        assert outcome.status == "failed", kind
        assert expected in outcome.error, (kind, outcome.error)
        assert outcome.tables["filings"].column("error").to_pylist() == [outcome.error]
    assert by_kind["very_long"].failure_kind == "timeout"
    assert by_kind["bomb"].failure_kind is None  # refused by the parser's decompression check, before memory runs out
    assert not [o.error for o in outcomes if o.error and "Traceback" in o.error]
    for kind in ("good", "good_spaces"):
        assert by_kind[kind].status == "ok", by_kind[kind].error
        assert by_kind[kind].tables["line_items"].num_rows > 100
    assert by_kind["good_spaces"].source_path.endswith("武昌区 测试局 2025 年 预算.pdf")
    assert len(seen) == len(files)  # every file reported once, as it finished
    # The other worker went on meanwhile: every other file finished before the stalled one was cut off.
    assert seen[-1].source_path == str(bad_set["very_long"])


def test_worker_killed_from_outside_is_recorded_and_replaced(tmp_path):
    """A worker the kernel kills (OOM killer) fails only its file; the next file gets a fresh worker."""
    long_pdf = flowdata.stalling_pdf(tmp_path / "long.pdf")
    good = flowdata.budget_pdf(tmp_path / "good.pdf")
    files = hash_inputs([long_pdf, good])
    killed = []

    def kill_when_handed_the_long_file(file, worker_pid):
        if file.source_path == str(long_pdf):  # the worker stalls on it: the kill always lands mid-parse
            os.kill(worker_pid, signal.SIGKILL)
            killed.append(worker_pid)

    outcomes = parse_isolated(files, ParseLimits(600, 2048), workers=1, on_start=kill_when_handed_the_long_file)
    assert killed
    by_name = {o.source_path.rsplit("/", 1)[1]: o for o in outcomes}
    assert by_name[long_pdf.name].failure_kind == "memory" and "内存超限" in by_name[long_pdf.name].error
    assert by_name["good.pdf"].status == "ok"


@pytest.mark.parametrize(("sig", "why"), [(signal.SIGSEGV, "访问了无效内存"), (signal.SIGABRT, "程序异常中止")])
def test_a_worker_ended_by_a_signal_is_a_clear_chinese_error(tmp_path, sig, why):
    """A crash in a C library (pdfminer's dependencies, the allocator) fails its file with a message, never a traceback."""
    long_pdf = flowdata.stalling_pdf(tmp_path / "long.pdf")
    files = hash_inputs([long_pdf])

    def crash(file, worker_pid):
        os.kill(worker_pid, sig)

    (outcome,) = parse_isolated(files, ParseLimits(600, 2048), workers=1, on_start=crash)
    assert outcome.failure_kind == "crash" and outcome.status == "failed"
    assert outcome.error.startswith(f"解析进程崩溃（信号 {sig.name}，{why}") and "Traceback" not in outcome.error


def test_two_million_rectangles_end_as_memory_exceeded(tmp_path):
    """Memory exhaustion inside the parse used to end as 解析进程崩溃（信号 SIGABRT） or with a traceback."""
    from tests.fuzzdata import many_rectangles

    files = hash_inputs([many_rectangles(tmp_path / "rectangles.pdf")])
    (outcome,) = parse_isolated(files, ParseLimits(600, 256), workers=1)
    assert outcome.failure_kind == "memory", outcome.error
    assert outcome.error.startswith("内存超限：解析需要超过 256 MB")
