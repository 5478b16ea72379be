"""`make serve`: a local Prefect server bound to 127.0.0.1 (state in .prefect/) serving the nightly flow on its cron.

While it runs, `budgetml run` reports to it (running_server) instead of starting Prefect's temporary server
(~13 s on every run): the address is recorded in the Prefect home, and PREFECT_API_URL names any other server.

Scheduling needs a running server: with Prefect's temporary server, flow.serve() never runs anything.
Ctrl-C or SIGTERM stops the flow's runner first (which pauses the schedule), then the server, and removes the
recorded address; a `budgetml run` that finds an address recorded by a `make serve` killed harder (kill -9) checks
that the server answers before it uses it.

The server has no authentication, so it is locked to its own origin: CORS answers only
http://127.0.0.1:PORT (a web page from anywhere else open in the operator's browser may not call it)
and Prefect's CSRF protection is on. A run of the served deployment accepts only the configured
output folder and inputs inside the configured input roots (check_served_parameters): whoever can
reach the API still cannot make the flow read or write elsewhere. See docs/security.md.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from budgetml.settings import PROJECT_DIR, load_settings
from flows.served import SERVED_OUTPUT_ENV, SERVED_ROOTS_ENV, served_input_roots

SERVER_START_TIMEOUT_S = 120  # ~8 s on this 2-core machine; the first start also creates the database
SERVER_STOP_TIMEOUT_S = 30
# In the Prefect home: the API address of the server `make serve` started, while it runs.
SERVER_FILE = "budgetml-server-url"
# A running server answers its health check in milliseconds; a missing one refuses the connection at once.
HEALTH_TIMEOUT_S = 2.0


def serve_nightly(
    port: int = 4200, output: Path = PROJECT_DIR / "output", inputs: list[str] | None = None, cron: str | None = None
) -> None:
    api_url = f"http://127.0.0.1:{port}/api"
    # SIGTERM (systemd stopping the service, `kill`) stops like Ctrl-C: the runner, the server, the recorded address.
    signal.signal(signal.SIGTERM, _interrupt)
    server = start_server(port)
    try:
        wait_until_healthy(api_url, server)
        record_server(api_url)
        print(f"Prefect 服务器已启动：http://127.0.0.1:{port}（按 Ctrl-C 停止）", flush=True)
        serve_flow(api_url, output, inputs, cron)
    except KeyboardInterrupt:
        pass
    finally:
        stop_server(server)
        forget_server(api_url)
        print("已停止调度与 Prefect 服务器", flush=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def prefect_home() -> Path:
    """Where Prefect keeps its state for this project (PREFECT_HOME, else the project's .prefect/, as prefect.toml says)."""
    return Path(os.environ.get("PREFECT_HOME") or PROJECT_DIR / ".prefect")


def record_server(api_url: str) -> None:
    """Say in the project's Prefect home which address the server of `make serve` answers on (for `budgetml run`)."""
    prefect_home().mkdir(parents=True, exist_ok=True)
    (prefect_home() / SERVER_FILE).write_text(api_url, encoding="utf-8")


def forget_server(api_url: str) -> None:
    path = prefect_home() / SERVER_FILE
    if path.exists() and path.read_text(encoding="utf-8").strip() == api_url:
        path.unlink()


def running_server() -> str | None:
    """The API address of a running Prefect server for `budgetml run` to report to: PREFECT_API_URL's, else the one
    `make serve` started for this project (recorded in its Prefect home); None when neither answers, and the run
    starts Prefect's temporary server."""
    recorded = prefect_home() / SERVER_FILE
    candidates = [
        os.environ.get("PREFECT_API_URL"),
        recorded.read_text(encoding="utf-8").strip() if recorded.exists() else None,
    ]
    return next((url for url in candidates if url and is_healthy(url)), None)


def is_healthy(api_url: str, timeout_s: float = HEALTH_TIMEOUT_S) -> bool:
    """Whether a Prefect server answers its health check at api_url."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout_s) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start_server(port: int) -> subprocess.Popen:
    """`prefect server start` in its own session: Ctrl-C reaches only us, and we stop it after the runner."""
    env = {
        **os.environ,
        "PREFECT_HOME": os.environ.get("PREFECT_HOME", str(PROJECT_DIR / ".prefect")),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        # No authentication: only the server's own UI may call it from a browser.
        "PREFECT_SERVER_CORS_ALLOWED_ORIGINS": own_origin(port),
        "PREFECT_SERVER_CSRF_PROTECTION_ENABLED": "true",
    }
    env.pop("PREFECT_API_URL", None)
    prefect = Path(sys.executable).with_name("prefect")
    command = [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port), "--analytics-off"]
    return subprocess.Popen(command, env=env, cwd=PROJECT_DIR, start_new_session=True, stdin=subprocess.DEVNULL)


def own_origin(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def wait_until_healthy(api_url: str, server: subprocess.Popen, timeout_s: float = SERVER_START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"Prefect 服务器启动失败（退出码 {server.returncode}）；端口可能已被占用")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"Prefect 服务器在 {timeout_s:g} 秒内没有就绪：{api_url}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=SERVER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def serve_flow(api_url: str, output: Path, inputs: list[str] | None = None, cron: str | None = None) -> None:
    """Serve the nightly flow against the server at api_url until interrupted (also used by the tests)."""
    # Flow runs are started in child processes: they read the server address and home from the environment.
    os.environ["PREFECT_API_URL"] = api_url
    os.environ.setdefault("PREFECT_HOME", str(PROJECT_DIR / ".prefect"))
    os.chdir(PROJECT_DIR)  # prefect.toml is read from the working directory; the entrypoint is relative to it
    from prefect.schedules import Cron
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.nightly import nightly

    settings = load_settings()
    parameters = {"output": str(output), **({"inputs": list(inputs)} if inputs else {})}
    os.environ[SERVED_OUTPUT_ENV] = str(Path(output).resolve())
    os.environ[SERVED_ROOTS_ENV] = os.pathsep.join(str(r) for r in served_input_roots(inputs, settings.allowed_roots))
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        nightly.serve(
            name=settings.deployment_name,
            schedules=[Cron(cron or settings.cron, timezone=settings.timezone)],
            parameters=parameters,
            description="每晚增量解析部门预算公开 PDF 并更新数据集",
        )
