"""Every kind of bad file fails alone, with a clear Chinese error; a stalled or exploding parse is cut off by the limits."""

from __future__ import annotations

import threading
import time

import psutil
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
    start = time.monotonic()
    outcomes = parse_isolated(files, limits, workers=2, on_outcome=seen.append)
    elapsed = time.monotonic() - start
    by_kind = {kind: outcomes[[f.source_path for f in files].index(str(path))] for kind, path in bad_set.items()}
    for kind, expected in flowdata.EXPECTED_ERRORS.items():
        outcome = by_kind[kind]
        assert outcome.status == "failed", kind
        assert expected in outcome.error, (kind, outcome.error)
        assert outcome.tables["filings"].column("error").to_pylist() == [outcome.error]
    assert by_kind["very_long"].failure_kind == "timeout"
    assert by_kind["bomb"].failure_kind == "memory"
    for kind in ("good", "good_spaces"):
        assert by_kind[kind].status == "ok", by_kind[kind].error
        assert by_kind[kind].tables["line_items"].num_rows > 100
    assert by_kind["good_spaces"].source_path.endswith("武昌区 测试局 2025 年 预算.pdf")
    assert len(seen) == len(files)  # every file reported once, as it finished
    # The timeout cost one time limit, not the ~6 s the long file would take, and the run went on meanwhile.
    assert elapsed < flowdata.TEST_TIME_LIMIT_S + 10


def test_worker_killed_from_outside_is_recorded_and_replaced(tmp_path):
    """A worker the kernel kills (OOM killer) fails only its file; the next file gets a fresh worker."""
    long_pdf = flowdata.badpdfs.prose_pdf(tmp_path / "long.pdf", pages=3000)
    good = flowdata.budget_pdf(tmp_path / "good.pdf")
    files = hash_inputs([long_pdf, good])
    killed = []

    def kill_worker_mid_parse():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            for child in psutil.Process().children():
                # ~1 s of CPU loads the worker; past 2.5 s it is well into the 3,000 pages (~6 s)
                if "worker_main" in " ".join(child.cmdline()) and sum(child.cpu_times()[:2]) > 2.5:
                    child.kill()
                    killed.append(child.pid)
                    return
            time.sleep(0.05)

    thread = threading.Thread(target=kill_worker_mid_parse)
    thread.start()
    outcomes = parse_isolated(files, ParseLimits(60, 2048), workers=1)
    thread.join()
    assert killed
    by_name = {o.source_path.rsplit("/", 1)[1]: o for o in outcomes}
    assert by_name["long.pdf"].failure_kind == "memory" and "内存超限" in by_name["long.pdf"].error
    assert by_name["good.pdf"].status == "ok"
