"""The nightly flow end to end on a real local Prefect server: bad inputs, warm reruns, Dask, kill -9, the lock, serving."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from budgetml import incremental
from budgetml.lock import OutputLocked, output_lock
from budgetml.schema import FILINGS, INPUTS, LINE_ITEMS, RUNS
from tests import flowdata

REPO = Path(__file__).resolve().parent.parent


pytestmark = pytest.mark.server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def api_url(tmp_path_factory):
    """One real `prefect server start` (as make serve starts it) for the module; flows and subprocesses use it."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.serve import start_server, stop_server, wait_until_healthy

    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PREFECT_HOME", str(tmp_path_factory.mktemp("prefect-home")))
        server = start_server(port)
    try:
        wait_until_healthy(url, server)
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
    finally:
        stop_server(server)
    assert not is_listening(port), "the Prefect server did not stop"


@pytest.fixture(scope="module")
def nightly():
    from flows.nightly import nightly

    return nightly


def settings_file(folder: Path, workers: int = 2, batch_files: int = 8) -> str:
    path = folder / "nightly.toml"
    path.write_text(
        f"[parse]\nworkers = {workers}\ntime_limit_s = {flowdata.TEST_TIME_LIMIT_S}\n"
        f"memory_limit_mb = {flowdata.TEST_MEMORY_LIMIT_MB}\nbatch_files = {batch_files}\n",
        encoding="utf-8",
    )
    return str(path)


def rows(out: Path, dataset) -> list[dict]:
    return pq.read_table(out / dataset.file_name).to_pylist()


def test_bad_inputs_in_one_run_then_a_warm_rerun_parses_nothing(api_url, nightly, tmp_path):
    files = flowdata.bad_inputs(tmp_path / "in")
    out, config = tmp_path / "out", settings_file(tmp_path)
    first = nightly(inputs=[str(tmp_path / "in")], output=str(out), settings_path=config, later_stages=False)
    assert (first.n_files, first.n_new, first.n_parsed, first.n_failed) == (10, 10, 10, 8)
    status = {Path(r["source_path"]).name: (r["status"], r["error"]) for r in rows(out, FILINGS)}
    for kind, expected in flowdata.EXPECTED_ERRORS.items():
        got, error = status[files[kind].name]
        assert got == "failed" and expected in error, (kind, error)
    assert status["武昌区 测试局 2025 年 预算.pdf"] == ("ok", None) and status["good.pdf"] == ("ok", None)
    assert {path for path, _ in first.failures} == {str(files[kind]) for kind in flowdata.EXPECTED_ERRORS}
    assert [s for s, _ in first.stage_durations][:3] == ["discover", "parse", "write"]

    second = nightly(inputs=[str(tmp_path / "in")], output=str(out), settings_path=config, later_stages=False)
    # Limit failures are cached for the same limits: the warm run waits for no timeout either.
    assert (second.n_parsed, second.n_reused, second.n_unchanged, second.n_failed) == (0, 10, 10, 8)
    history = rows(out, RUNS)
    assert [r["n_parsed"] for r in history] == [10, 0]
    assert history[0]["run_id"] == first.run_id != second.run_id


def test_the_whole_flow_runs_every_later_stage(api_url, nightly, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    flowdata.budget_corpus(folder, 2)
    first = nightly(inputs=[str(folder)], output=str(out))
    later = ["checks", "features", "scoring", "report"]
    assert [s for s, _ in first.stage_durations] == ["discover", "parse", "write", *later]
    second = nightly(inputs=[str(folder)], output=str(out))
    assert first.n_findings is not None and first.n_findings_new == first.n_findings
    assert (second.n_findings, second.n_findings_new) == (first.n_findings, 0)  # same files: nothing new
    assert second.n_flags_new == 0
    assert Path(second.report_path).exists()


def test_parse_on_a_local_dask_cluster(api_url, nightly, tmp_path):
    from distributed import LocalCluster

    flowdata.budget_corpus(tmp_path / "in", 4)
    out = tmp_path / "out"
    cluster_kwargs = dict(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0")
    with LocalCluster(processes=True, **cluster_kwargs) as cluster:
        summary = nightly(
            inputs=[str(tmp_path / "in")],
            output=str(out),
            dask_address=cluster.scheduler_address,
            settings_path=settings_file(tmp_path, batch_files=2),
            later_stages=False,
        )
    assert summary.executor == f"dask {cluster.scheduler_address}"
    assert (summary.n_parsed, summary.n_failed) == (4, 0)
    assert sorted(r["department"] for r in rows(out, FILINGS)) == [f"武昌区测试{k:02d}局" for k in range(4)]
    assert len(list(incremental.cache_root(out).iterdir())) == 4  # results were cached by the flow process


def test_run_killed_mid_way_leaves_the_previous_datasets_and_the_next_run_completes(api_url, nightly, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    flowdata.budget_corpus(folder, 2)
    nightly(inputs=[str(folder)], output=str(out), later_stages=False)
    before = {d.name: rows(out, d) for d in (FILINGS, LINE_ITEMS, INPUTS)}
    for k in range(10):
        flowdata.budget_pdf(folder / f"new-{k:02d}.pdf", f"新增{k:02d}局")

    mark = uuid.uuid4().hex  # every process of the killed run inherits it: finds orphans
    env = {**os.environ, "PREFECT_API_URL": api_url, "BUDGETML_TEST_MARK": mark}
    command = [
        sys.executable,
        "-m",
        "budgetml.cli",
        "run",
        "--input",
        str(folder),
        "--output",
        str(out),
        "--workers",
        "1",
    ]
    proc = subprocess.Popen(
        command, cwd=REPO, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 90
        while len(list(incremental.cache_root(out).glob("*/filings.parquet"))) < 3:  # the killed run cached a new file
            assert proc.poll() is None and time.monotonic() < deadline, "the run ended before it could be killed"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    assert {d.name: rows(out, d) for d in (FILINGS, LINE_ITEMS, INPUTS)} == before
    time.sleep(0.5)
    assert not _processes_marked(mark), "worker processes outlived the killed run"

    after = nightly(inputs=[str(folder)], output=str(out), later_stages=False)
    assert after.n_files == 12 and after.n_failed == 0
    assert after.n_reused >= 3 and after.n_parsed == 12 - after.n_reused  # work finished before the kill is kept
    assert len(rows(out, FILINGS)) == 12


def test_a_second_run_on_a_locked_output_fails_with_the_holders_pid(api_url, nightly, tmp_path):
    folder = tmp_path / "in"
    flowdata.budget_corpus(folder, 1)
    with output_lock(tmp_path / "out"), pytest.raises(OutputLocked, match=f"进程 {os.getpid()}"):
        nightly(inputs=[str(folder)], output=str(tmp_path / "out"))


def _processes_marked(mark: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and f"BUDGETML_TEST_MARK={mark}".encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def test_served_deployment_runs_and_ctrl_c_stops_the_runner(api_url, tmp_path):
    """What `make serve` does after starting the server: flow.serve on the cron; a triggered run completes."""
    from prefect import get_client
    from prefect.deployments import run_deployment

    flowdata.budget_corpus(tmp_path / "in", 1)
    out = tmp_path / "out"
    code = f"from flows.serve import serve_flow; serve_flow({api_url!r}, {str(out)!r})"
    env = {**os.environ, "PREFECT_API_URL": api_url, "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
    serving = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert serving.poll() is None, "serve_flow exited early"
            try:
                with get_client(sync_client=True) as client:
                    client.read_deployment_by_name("budgetml-nightly/nightly")
                break
            except Exception:  # noqa: BLE001 - not registered yet
                assert time.monotonic() < deadline, "the deployment was not served in time"
                time.sleep(0.5)
        run = run_deployment(
            "budgetml-nightly/nightly",
            parameters={"inputs": [str(tmp_path / "in")], "later_stages": False},
            timeout=120,
        )
        assert run.state.is_completed(), run.state
        assert pq.read_table(out / "filings.parquet").column("status").to_pylist() == ["ok"]
        assert pq.read_table(out / "runs.parquet").column("run_id").to_pylist() == [str(run.id)]
    finally:
        serving.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            exit_code = serving.wait(timeout=60)
        finally:
            if serving.poll() is None:
                os.killpg(serving.pid, signal.SIGKILL)
    assert exit_code in (0, -signal.SIGINT, 130)
