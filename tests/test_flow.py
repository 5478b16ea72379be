"""The nightly flow end to end on a real local Prefect server: bad inputs, warm reruns, Dask, kill -9, the lock, serving."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from budgetml import incremental
from budgetml.checks.rulebook import check_output
from budgetml.layout import dataset_path
from budgetml.lock import OutputLocked
from budgetml.schema import CHECKS, FILINGS, INPUTS, LINE_ITEMS, RUNS
from tests import flowdata
from tests.deadlines import HANG_GUARD_S

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
    return pq.read_table(dataset_path(out, dataset)).to_pylist()


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
        )
    assert summary.executor == f"dask {cluster.scheduler_address}"
    assert (summary.n_parsed, summary.n_failed) == (4, 0)
    assert sorted(r["department"] for r in rows(out, FILINGS)) == [f"武昌区测试{k:02d}局" for k in range(4)]
    assert len(list(incremental.cache_root(out).iterdir())) == 4  # results were cached by the flow process
    # The checks ran as a task on the cluster (a subflow of the run): the rows the checks write in this process.
    from prefect import get_client

    with get_client(sync_client=True) as client:
        assert "budgetml-checks-on-dask" in {f.name for f in client.read_flows()}
    on_cluster = rows(out, CHECKS)
    check_output(out)
    assert rows(out, CHECKS) == on_cluster and summary.n_findings == sum(c["is_passed"] is False for c in on_cluster)


def cli_run(folder: Path, out: Path, env: dict, *extra: str) -> subprocess.Popen:
    """`budgetml run` in the background (its own session, so that only what the test kills dies)."""
    command = [sys.executable, "-m", "budgetml.cli", "run", "--input", str(folder), "--output", str(out), *extra]
    return subprocess.Popen(
        command, cwd=REPO, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def wait_for(condition, proc: subprocess.Popen, what: str, timeout_s: float = HANG_GUARD_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert proc.poll() is None, f"the run ended before {what}:\n{proc.stdout.read()[-3000:] if proc.stdout else ''}"
        assert time.monotonic() < deadline, f"no {what} within {timeout_s:g} s"
        time.sleep(0.05)


def test_kill_9_of_the_run_leaves_no_process_and_the_next_run_completes(nightly, tmp_path):
    """Prefect's temporary server and the parse workers die with the run: 6 of 6 kills used to orphan the server."""
    folder, out = tmp_path / "in", tmp_path / "out"
    flowdata.budget_corpus(folder, 2)
    nightly(inputs=[str(folder)], output=str(out), later_stages=False)
    before = {d.name: rows(out, d) for d in (FILINGS, LINE_ITEMS, INPUTS)}
    for k in range(4):
        flowdata.budget_pdf(folder / f"new-{k:02d}.pdf", f"新增{k:02d}局")
    flowdata.stalling_pdf(folder / "zz-long.pdf")  # parsed last (smallest): a worker is mid-parse at the kill

    mark = uuid.uuid4().hex  # every process of the killed run inherits it: finds orphans
    # The run starts the temporary server (its uvicorn is awaited below): no PREFECT_API_URL, no make serve recorded.
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | {"PREFECT_HOME": str(tmp_path / "home")}
    proc = cli_run(folder, out, {**env, "BUDGETML_TEST_MARK": mark}, "--workers", "1", "--parse-only")
    try:
        wait_for(lambda: len(list(incremental.cache_root(out).glob("*/filings.parquet"))) >= 6, proc, "6 cached files")
        wait_for(
            lambda: _processes_marked(mark, "uvicorn") and _processes_marked(mark, "worker_main"), proc, "children"
        )
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # the run only, as a scheduler or an operator would
        proc.wait()
    # The watchdog sweeps and then exits: wait for that event (the deadline only guards against a hang, so a slow
    # machine cannot fail the test), then nothing of the killed run may be left.
    deadline = time.monotonic() + HANG_GUARD_S
    while _processes_marked(mark, "budgetml.watchdog") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _processes_marked(mark), "processes outlived the killed run and its watchdog"

    assert {d.name: rows(out, d) for d in (FILINGS, LINE_ITEMS, INPUTS)} == before
    (folder / f"zz-long{flowdata.STALL_MARKER}.pdf").unlink()
    after = nightly(inputs=[str(folder)], output=str(out), later_stages=False)
    assert after.n_files == 6 and after.n_failed == 0
    assert after.n_reused == 6 and after.n_parsed == 0  # work finished before the kill is kept
    assert len(rows(out, FILINGS)) == 6


# Fields of a run that depend on when it ran or on what an earlier, killed run left in the cache.
RUN_SPECIFIC = {"inputs": {"parse_outcome", "parse_s", "n_pages", "peak_rss_mb"}}
RUN_COUNTS = (
    "n_files", "n_new", "n_changed", "n_unchanged", "n_removed", "n_duplicate", "n_failed",
    "n_findings", "n_findings_new", "n_flags", "n_flags_new",
)  # fmt: skip


def published(out: Path) -> dict[str, list[dict]]:
    """Every published dataset but runs.parquet, without run-specific columns; and the counts of every recorded run."""
    tables = {}
    for path in sorted(dataset_path(out, "runs").parent.glob("*.parquet")):
        table = pq.read_table(path)
        if path.stem == "runs":
            tables["runs"] = [{k: r[k] for k in RUN_COUNTS} for r in table.to_pylist()]
        else:
            tables[path.stem] = table.drop_columns(sorted(RUN_SPECIFIC.get(path.stem, set()))).to_pylist()
    return tables


@pytest.fixture(scope="module")
def two_nights(api_url, nightly, tmp_path_factory, seed_fixture_pdf):
    """Night 1 over three filings; night 2 adds the seed filing (real inconsistencies: new findings and a new flag)."""
    base = tmp_path_factory.mktemp("nights")
    folder, first = base / "in", base / "first"
    flowdata.budget_corpus(folder, 3)
    nightly(inputs=[str(folder)], output=str(first))
    shutil.copy(seed_fixture_pdf, folder / "seed.pdf")
    flowdata.budget_pdf(folder / "dept-03.pdf", "测试03局")
    uninterrupted = base / "uninterrupted"
    shutil.copytree(first, uninterrupted, symlinks=True)
    summary = nightly(inputs=[str(folder)], output=str(uninterrupted))
    assert summary.n_findings_new > 0 and summary.n_flags_new > 0, summary
    return folder, first, published(first), published(uninterrupted)


@pytest.mark.parametrize("stage", ["parse", "checks", "features", "report", "publish"])
def test_a_run_killed_at_any_stage_resumes_to_the_uninterrupted_result(two_nights, api_url, nightly, stage, tmp_path):
    """The last completed run's datasets stay whole, and "new since the last run" is counted against them after a kill."""
    folder, first, first_published, expected = two_nights
    out = tmp_path / "out"
    shutil.copytree(first, out, symlinks=True)
    marker = tmp_path / "paused"
    env = {**os.environ, "PREFECT_API_URL": api_url, "BUDGETML_TEST_PAUSE_AT": f"{stage}:{marker}"}
    proc = cli_run(folder, out, env, "--workers", "1")
    try:
        wait_for(marker.exists, proc, f"the pause at {stage}")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert published(out) == first_published  # readers still see night 1, whole
    nightly(inputs=[str(folder)], output=str(out))
    resumed = published(out)
    assert resumed == expected
    assert [r["n_flags_new"] for r in resumed["runs"]] == [r["n_flags_new"] for r in expected["runs"]]


def test_parse_and_run_give_the_same_rows_and_the_run_migrates_a_flat_folder(api_url, nightly, tmp_path):
    from typer.testing import CliRunner

    from budgetml.cli import app
    from tests import badpdfs
    from tests.test_incremental import flatten

    folder = tmp_path / "in"
    flowdata.budget_corpus(folder, 2)
    badpdfs.odd_key_pdf(folder / "odd.pdf")
    flowdata.huge_amount_pdf(folder / "huge.pdf")
    shutil.copy(folder / "dept-00.pdf", folder / "dept-00 copy.pdf")
    result = CliRunner().invoke(app, ["parse", str(folder), "--output", str(tmp_path / "parsed")])
    assert result.exit_code == 0, result.output
    run_out = tmp_path / "run"
    summary = nightly(inputs=[str(folder)], output=str(run_out), later_stages=False)
    assert (summary.n_files, summary.n_duplicate) == (5, 1)
    parsed, ran = published(tmp_path / "parsed"), published(run_out)
    assert parsed.keys() == ran.keys() - {"runs"}
    assert {k: ran[k] for k in parsed} == parsed
    assert {r["status"] for r in parsed["filings"]} == {"ok", "partial", "failed"}

    flatten(run_out)  # as the previous version left it: datasets, .cache and .lock side by side
    again = nightly(inputs=[str(folder)], output=str(run_out), later_stages=False)
    assert again.n_parsed == 0 and again.n_unchanged == 5  # migrated without reparsing
    assert sorted(p.name for p in run_out.iterdir()) == [".state", "data"]
    assert {k: published(run_out)[k] for k in parsed if k != "inputs"} == {
        k: parsed[k] for k in parsed if k != "inputs"
    }


def test_a_second_run_on_a_locked_output_fails_with_the_holders_pid(api_url, nightly, tmp_path):
    from tests.test_lock import HOLD

    folder = tmp_path / "in"
    flowdata.budget_corpus(folder, 1)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "out")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(OutputLocked, match=f"进程 {holder.pid}"):
            nightly(inputs=[str(folder)], output=str(tmp_path / "out"))
    finally:
        holder.kill()
        holder.wait()


def test_too_many_inputs_vanishing_mid_run_stops_before_publishing(api_url, nightly, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    flowdata.budget_corpus(folder, 4)
    nightly(inputs=[str(folder)], output=str(out), later_stages=False)
    before = published(out)
    for k in range(4, 8):
        flowdata.budget_pdf(folder / f"dept-{k:02d}.pdf", f"测试{k:02d}局")
    marker = tmp_path / "paused"
    env = {**os.environ, "PREFECT_API_URL": api_url, "BUDGETML_TEST_PAUSE_AT": f"parse:{marker}"}
    proc = cli_run(folder, out, env, "--workers", "1", "--parse-only")
    wait_for(marker.exists, proc, "the first parsed file")
    shutil.move(folder, tmp_path / "moved-away")  # the share is unmounted mid-run
    marker.unlink()
    output, _ = proc.communicate(timeout=HANG_GUARD_S)
    assert proc.returncode == 3, output
    assert "个输入文件消失或变得不可读" in output and "Traceback" not in output
    assert published(out) == before


def _processes_marked(mark: str, command: str = "", invert: bool = False) -> list[int]:
    """Processes carrying the test's mark whose command line holds `command` (or, with invert, does not)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if not proc.name.isdigit() or f"BUDGETML_TEST_MARK={mark}".encode() not in (proc / "environ").read_bytes():
                continue
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if not command or (command in cmdline) != invert:
            found.append(int(proc.name))
    return found


def test_served_deployment_runs_and_ctrl_c_stops_the_runner(api_url, tmp_path):
    """What `make serve` does after starting the server: flow.serve on the cron; a triggered run completes."""
    from prefect import get_client
    from prefect.deployments import run_deployment

    flowdata.budget_corpus(tmp_path / "in", 1)
    out = tmp_path / "out"
    code = f"from flows.serve import serve_flow; serve_flow({api_url!r}, {str(out)!r}, [{str(tmp_path / 'in')!r}])"
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
        deadline = time.monotonic() + HANG_GUARD_S
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
            timeout=HANG_GUARD_S,
        )
        assert run.state.is_completed(), run.state
        assert pq.read_table(dataset_path(out, "filings")).column("status").to_pylist() == ["ok"]
        assert pq.read_table(dataset_path(out, "runs")).column("run_id").to_pylist() == [str(run.id)]
        # Whoever reaches the API chooses the parameters: other folders than the configured ones are refused.
        elsewhere = tmp_path / "elsewhere"
        refused = [
            {"inputs": [str(tmp_path / "in")], "output": str(elsewhere)},
            {"inputs": ["/etc"], "later_stages": False},
            {"inputs": [f"{tmp_path / 'in'}/../../*"], "later_stages": False},
            {"inputs": [str(tmp_path / "in")], "settings_path": str(tmp_path / "evil.toml")},
        ]
        for parameters in refused:
            run = run_deployment("budgetml-nightly/nightly", parameters=parameters, timeout=HANG_GUARD_S)
            assert run.state.is_failed(), (parameters, run.state)
            assert "拒绝运行" in str(run.state.message), run.state.message
        assert not elsewhere.exists()
        assert pq.read_table(dataset_path(out, "runs")).num_rows == 1
    finally:
        serving.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            exit_code = serving.wait(timeout=HANG_GUARD_S)
        finally:
            if serving.poll() is None:
                os.killpg(serving.pid, signal.SIGKILL)
    assert exit_code in (0, -signal.SIGINT, 130)


def test_the_server_answers_cors_for_its_own_origin_only_and_wants_a_csrf_token(api_url):
    """A web page open in the operator's browser used to be able to start runs: `access-control-allow-origin: *`."""
    own = api_url.removesuffix("/api")
    for origin, is_allowed in ((own, True), ("http://evil.example", False), ("null", False)):
        preflight = urllib.request.Request(
            f"{api_url}/deployments/filter",
            method="OPTIONS",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        try:
            with urllib.request.urlopen(preflight, timeout=HANG_GUARD_S) as response:
                allowed = response.headers.get("access-control-allow-origin")
        except urllib.error.HTTPError as exc:
            allowed = exc.headers.get("access-control-allow-origin")
        assert allowed == (origin if is_allowed else None), (origin, allowed)
    # A "simple" cross-site POST needs no preflight: without the CSRF token the server refuses it.
    post = urllib.request.Request(
        f"{api_url}/flows/",
        data=json.dumps({"name": "planted-by-a-web-page"}).encode(),
        method="POST",
        headers={"Origin": "http://evil.example", "Content-Type": "text/plain"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(post, timeout=HANG_GUARD_S)
    assert refused.value.code == 403


def test_run_reports_to_the_running_server_named_by_prefect_api_url_or_recorded_by_make_serve(api_url, tmp_path):
    """No temporary server when one is up: PREFECT_API_URL's when it answers, else the one make serve recorded."""
    from prefect import get_client

    from flows.serve import forget_server, record_server, running_server

    folder = tmp_path / "in"
    flowdata.budget_corpus(folder, 1)
    home, dead = tmp_path / "home", f"http://127.0.0.1:{free_port()}/api"
    env = {**os.environ, "PREFECT_HOME": str(home)}
    ran = []
    for k, (named, recorded) in enumerate(((api_url, None), (dead, api_url))):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("PREFECT_HOME", str(home))
            patch.setenv("PREFECT_API_URL", named)
            if recorded:
                record_server(recorded)
            assert running_server() == api_url
        out = tmp_path / f"out-{k}"
        proc = cli_run(folder, out, {**env, "PREFECT_API_URL": named}, "--parse-only")
        output, _ = proc.communicate(timeout=HANG_GUARD_S)
        assert proc.returncode == 0, output[-3000:]
        assert f"Prefect：常驻服务器 {api_url}" in output and "临时服务器" not in output
        (run,) = rows(out, RUNS)
        assert run["prefect_api_url"] == api_url
        ran.append(uuid.UUID(run["run_id"]))
    with get_client(sync_client=True) as client:
        assert all(client.read_flow_run(run_id).state.is_completed() for run_id in ran)  # on the running server
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PREFECT_HOME", str(home))
        patch.setenv("PREFECT_API_URL", dead)
        forget_server(api_url)
        assert running_server() is None  # neither answers: the run starts the temporary server


# --- later stages skipped when nothing they read changed (budgetml/fingerprints.py) ------------------------------

LATER = ("checks", "features", "scoring", "report")
# Columns that say what changed since the run before (the previous scoring's flags): a from-scratch run has no before.
HISTORY = {"anomalies": ("is_new_flag",)}


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory):
    """The project's code and configs copied: runs there read the copy's configs/*.toml and review store (configs/
    review.toml), which a test may edit, as an operator would, without touching the project's own."""
    root = tmp_path_factory.mktemp("project")
    for name in ("budgetml", "flows", "configs"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "prefect.toml", root / "prefect.toml")
    env = {**os.environ, "PYTHONPATH": str(root)}
    where = subprocess.run(
        [sys.executable, "-c", "import budgetml, flows; print(budgetml.__file__, flows.__file__)"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert all(Path(p).is_relative_to(root) for p in where.stdout.split()), where.stdout  # the copy is what runs
    return root


def later_datasets(out: Path) -> dict[str, list[dict]]:
    """Every published dataset but inputs and runs (they describe runs), without the columns HISTORY names."""
    from budgetml.datasets import read_table
    from budgetml.schema import DATASETS

    tables = {}
    for dataset in DATASETS:
        table = read_table(dataset, out) if dataset.name not in ("inputs", "runs") else None
        if table is not None:
            tables[dataset.name] = table.drop_columns(list(HISTORY.get(dataset.name, ()))).to_pylist()
    return tables


def test_later_stages_skip_what_did_not_change_and_rerun_what_did(api_url, project_copy, tmp_path):
    """A warm run skips checks, features, scoring and the report; a changed PDF, a config edit, a review decision or a
    deleted output reruns the stage that read it and every stage after, to the datasets a run from scratch writes."""
    from budgetml import review_store
    from budgetml.runs import STAGE_LABELS

    folder, out, config = tmp_path / "in", tmp_path / "out", settings_file(tmp_path, workers=1)
    flowdata.budget_corpus(folder, 3)
    env = {**os.environ, "PREFECT_API_URL": api_url, "PYTHONPATH": str(project_copy)}

    def run(output: Path, *extra: str) -> tuple[str, ...]:
        """`budgetml run` in the project copy; returns the later stages it skipped, as its summary lists them."""
        command = [sys.executable, "-m", "budgetml.cli", "run", "--input", str(folder), "--output", str(output)]
        done = subprocess.run(
            [*command, "--config", config, *extra], cwd=project_copy, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
        assert "运行摘要" in done.stdout, done.stdout[-3000:]
        return tuple(s for s in LATER if f"{STAGE_LABELS[s]}：输入未变，沿用上次结果" in done.stdout)

    def from_scratch(name: str) -> dict[str, list[dict]]:
        assert run(tmp_path / name) == ()
        return later_datasets(tmp_path / name)

    assert run(out) == ()
    first = later_datasets(out)
    assert {"checks", "features", "anomalies"} <= set(first)
    assert run(out) == LATER  # nothing changed
    assert later_datasets(out) == first
    report = Path(pq.read_table(dataset_path(out, RUNS))["report_path"].to_pylist()[-1])
    assert report.exists() and report == Path(pq.read_table(dataset_path(out, RUNS))["report_path"][0].as_py())

    flowdata.budget_pdf(folder / "dept-01.pdf", "测试01局更正")  # (a) one input's content
    assert run(out) == ()
    assert later_datasets(out) == from_scratch("scratch-a") != first

    rules = project_copy / "configs" / "rules.toml"  # (b) a value the checks read
    text = rules.read_text(encoding="utf-8")
    edited = text.replace(
        'id = "completeness.required_tables"', 'id = "completeness.required_tables"\nseverity = "error"'
    )
    edited = edited.replace('severity = "warning"', "", 1)
    assert edited != text
    rules.write_text(edited, encoding="utf-8")
    assert run(out) == ()
    edited_rules = later_datasets(out)
    assert edited_rules == from_scratch("scratch-b")
    assert {r["severity"] for r in edited_rules["checks"] if r["rule_id"] == "completeness.required_tables"} == {
        "error"
    }

    review = tomllib.loads((project_copy / "configs" / "review.toml").read_text(encoding="utf-8"))
    store = project_copy / review["path"]  # (c) a review decision, in the store the copy's runs read
    filing = pq.read_table(dataset_path(out, FILINGS)).to_pylist()[0]
    review_store.record(store, filing, "dismissed", "测试：已核实", "测试员")
    assert run(out) == ("checks", "features")
    decided = later_datasets(out)
    assert decided == from_scratch("scratch-c")
    assert {r["filing_id"]: r["review_status"] for r in decided["anomalies"]}[filing["filing_id"]] == "dismissed"

    dataset_path(out, "features").unlink()  # (d) an output dataset deleted
    assert run(out) == ("checks",)
    assert later_datasets(out) == decided

    assert run(out, "--force") == ()  # every later stage on demand
    assert later_datasets(out) == decided


def test_sigterm_stops_make_serve_and_forgets_its_address_and_a_stale_address_is_not_used(tmp_path):
    """`budgetml serve` (make serve) stopped by SIGTERM, as systemd or `kill` stops it: the runner, the server and the
    address recorded for `budgetml run` go; an address left by a harder kill is not used once nothing answers it."""
    from flows.serve import SERVER_FILE, record_server, running_server

    home, port = tmp_path / "home", free_port()
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | {"PREFECT_HOME": str(home)}
    command = [sys.executable, "-m", "budgetml.cli", "serve", "--port", str(port), "--output", str(tmp_path / "out")]
    log = tmp_path / "serve.log"  # a file, not a pipe: a server the SIGTERM left running would hold a pipe open
    with open(log, "wb") as output:
        serving = subprocess.Popen(
            command, cwd=REPO, env=env, start_new_session=True, stdout=output, stderr=subprocess.STDOUT
        )
    recorded = home / SERVER_FILE
    deployment = f"http://127.0.0.1:{port}/api/deployments/name/budgetml-nightly/nightly"
    try:
        wait_for(recorded.exists, serving, "the recorded address", timeout_s=HANG_GUARD_S)
        assert recorded.read_text(encoding="utf-8") == f"http://127.0.0.1:{port}/api"
        wait_for(lambda: _answers(deployment), serving, "the served deployment", timeout_s=HANG_GUARD_S)
        serving.send_signal(signal.SIGTERM)
        exit_code = serving.wait(timeout=HANG_GUARD_S)
    finally:
        if serving.poll() is None:
            os.killpg(serving.pid, signal.SIGKILL)
            serving.wait()
    assert exit_code == 0, log.read_text(encoding="utf-8", errors="replace")[-3000:]
    assert not recorded.exists()
    assert not is_listening(port), "the Prefect server outlived the SIGTERM"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PREFECT_HOME", str(home))
        patch.delenv("PREFECT_API_URL", raising=False)
        record_server(f"http://127.0.0.1:{port}/api")  # as a kill -9 would leave it: nothing answers there now
        assert running_server() is None  # so `budgetml run` starts the temporary server


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False
