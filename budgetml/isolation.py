"""Parse files in worker processes with a time and a memory limit each, so no single file can stall or kill a run.

Each worker is a fresh interpreter (`subprocess`, not `multiprocessing`: Dask worker processes are
daemonic and may not start multiprocessing children) that limits its own address space with
RLIMIT_AS and answers one file at a time over a socket. The parent enforces the wall-clock limit:
a worker that overruns it, runs out of memory or dies is killed and replaced, its file recorded as a
`failed` filing with the reason in Chinese, and the other files go on.

A worker out of memory cannot be trusted to build anything, not even a message (a second MemoryError
would end it with a traceback): it exits at once with MEMORY_EXIT_CODE and the parent, which has
memory, writes the failure. Every failure message is the parent's, in Chinese, never a traceback;
what a dying worker printed goes to the log only.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import logging
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path

import pyarrow as pa

from budgetml.extract import DEFAULT_ENGINE
from budgetml.parse import ParsedFiling, parse_file, parsed_to_tables, parser_version
from budgetml.schema import INPUTS
from budgetml.settings import ParseLimits
from budgetml.terminal import plain

# Why a failure happened, when it is not the parser's own verdict on the file (declared in schema.INPUTS).
FAILURE_KINDS = next(c.values for c in INPUTS.columns if c.name == "failure_kind")
# Failures that depend on the limits in force, not only on the file: cached per limits (see incremental.py).
LIMIT_FAILURES = ("timeout", "memory", "crash")

_WORKER_CODE = "from budgetml.isolation import worker_main; worker_main()"
_READY = "ready"
WORKER_START_TIMEOUT_S = (
    60  # an interpreter with pdfminer, pyarrow and polars loads in ~1 s; minutes only on a swamped machine
)
_PR_SET_PDEATHSIG = 1
# A worker killed by SIGABRT inside the pdfium engine ran out of memory: pdfium aborts silently when an
# allocation fails (its other fatal checks trap instead). The fault handler's stack names the file.
PDFIUM_ENGINE_FILE = "pdfium_engine.py"
FAULT_TRACE_BYTES = 8192
MEMORY_EXIT_CODE = 86  # a worker's exit status after a MemoryError: allocates nothing on the way out
# What C libraries print when an allocation fails under RLIMIT_AS before they abort the process.
_MEMORY_WORDS = ("MemoryError", "bad_alloc", "Cannot allocate memory", "out of memory", "memory allocation failed")
_SIGNAL_NAMES = {
    signal.SIGSEGV: "访问了无效内存",
    signal.SIGABRT: "程序异常中止",
    signal.SIGBUS: "总线错误",
    signal.SIGFPE: "算术错误",
    signal.SIGILL: "非法指令",
}
log = logging.getLogger(__name__)
# Tests make a parse overrun its limits on any machine, however fast: a worker started with this
# variable set stalls on every file whose name contains its value (see tests/flowdata.py).
STALL_MARKER_ENV = "BUDGETML_TEST_STALL_MARKER"


class WorkerStartError(RuntimeError):
    """A parser process could not be started twice in a row: the machine, not a file, is at fault."""


@dataclass(frozen=True)
class InputFile:
    source_path: str
    filing_id: str  # sha256 of the bytes read when planning
    size_bytes: int


@dataclass(frozen=True)
class ParseOutcome:
    """One file's parse: its dataset rows (one Arrow table per parse dataset) and how the parse went."""

    source_path: str
    filing_id: str
    status: str  # ok | partial | failed
    error: str | None
    failure_kind: str | None  # one of FAILURE_KINDS, or None when the parser itself decided
    n_pages: int
    seconds: float
    peak_rss_mb: float | None  # the worker's peak resident memory so far; None when it died
    tables: dict[str, pa.Table] = field(repr=False, default_factory=dict)
    parser_version: str = parser_version()


def failed_outcome(
    file: InputFile, kind: str, error: str, seconds: float = 0.0, engine: str = DEFAULT_ENGINE
) -> ParseOutcome:
    """A failure decided outside the parser: the same rows a parser failure (with that engine) would give."""
    parsed = ParsedFiling(file.filing_id, file.source_path, "failed", error, engine=engine)
    tables = parsed_to_tables([parsed])
    return ParseOutcome(
        file.source_path, file.filing_id, "failed", error, kind, 0, seconds, None, tables, parser_version(engine)
    )


def parse_isolated(
    files: Sequence[InputFile],
    limits: ParseLimits,
    workers: int,
    on_outcome: Callable[[ParseOutcome], None] | None = None,
    on_start: Callable[[InputFile, int], None] | None = None,
) -> list[ParseOutcome]:
    """Parse every file in up to `workers` isolated worker processes; one outcome per file, in input order.

    Largest files go first so that the long ones do not start last and leave the other workers idle.
    `on_start(file, worker_pid)` is called once a worker has been handed a file.
    """
    if not files:
        return []
    order = sorted(range(len(files)), key=lambda k: (-files[k].size_bytes, files[k].source_path))
    pending = [(k, files[k]) for k in reversed(order)]  # pop() from the end: largest first
    outcomes: dict[int, ParseOutcome] = {}
    pool = [_Slot(limits) for _ in range(max(1, min(workers, len(files))))]

    def finish(slot: _Slot, outcome: ParseOutcome) -> None:
        outcomes[slot.index] = outcome
        slot.file = None
        if on_outcome:
            on_outcome(outcome)

    try:
        for slot in pool:  # interpreters load in parallel; a file's clock starts once its worker is ready
            try:
                slot.start()
            except OSError:
                slot.retire()  # assign() tries again and raises WorkerStartError if it fails again
        while pending or any(slot.file for slot in pool):
            for slot in pool:
                if slot.file is None and pending:
                    slot.assign(*pending.pop())  # WorkerStartError: no file can be parsed here, the run stops
                    if on_start:
                        on_start(slot.file, slot.proc.pid)
            busy = [slot for slot in pool if slot.file]
            if not busy:
                continue
            timeout = max(0.0, min(slot.deadline for slot in busy) - time.monotonic())
            ready = wait([slot.conn for slot in busy], timeout=timeout)
            for slot in busy:
                if slot.conn in ready:
                    finish(slot, slot.collect())
                elif time.monotonic() >= slot.deadline:
                    finish(slot, slot.time_out())
    finally:
        for slot in pool:
            slot.retire()
    return [outcomes[k] for k in range(len(files))]


class _Slot:
    """One worker process and the file it is parsing; a dead or killed worker is replaced on the next file."""

    def __init__(self, limits: ParseLimits) -> None:
        self.limits = limits
        self.proc: subprocess.Popen | None = None
        self.conn: Connection | None = None
        self.stderr = None
        self.file: InputFile | None = None
        self.ready = False
        self.index = -1
        self.started = self.deadline = 0.0

    def assign(self, index: int, file: InputFile) -> None:
        self.index, self.file = index, file
        problem = ""
        for _ in range(2):  # an idle worker may have been lost (killed from outside): one fresh try
            try:
                self.start()
                self._wait_ready()
                self.started = time.monotonic()
                self.deadline = self.started + self.limits.time_limit_s
                self.conn.send((file.source_path, file.filing_id))
                return
            except (OSError, EOFError) as exc:
                problem = f"{exc} {self._stderr_tail()}".strip()
                self.retire()
        raise WorkerStartError(f"无法启动解析进程：{problem}")

    def start(self) -> None:
        if self.proc is not None:
            return
        parent, child = socket.socketpair()
        self.stderr = tempfile.TemporaryFile()
        extra = str(self.limits.memory_limit_mb * 1024 * 1024)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _WORKER_CODE, str(child.fileno()), extra, str(os.getpid()), self.limits.engine],
                pass_fds=[child.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self.stderr,
            )
        finally:
            child.close()
        self.conn = Connection(parent.detach())
        self.ready = False

    def _wait_ready(self) -> None:
        if self.ready:
            return
        if not self.conn.poll(WORKER_START_TIMEOUT_S):
            raise OSError(f"解析进程在 {WORKER_START_TIMEOUT_S} 秒内没有就绪")
        if self.conn.recv() != _READY:
            raise OSError("解析进程的应答不符合协议")
        self.ready = True

    def collect(self) -> ParseOutcome:
        file = self.file
        try:
            outcome: ParseOutcome = self.conn.recv()
        except (EOFError, OSError):
            return self._died(file)
        return outcome

    def time_out(self) -> ParseOutcome:
        file, seconds = self.file, time.monotonic() - self.started
        self.retire()
        error = f"超时：超过 {self.limits.time_limit_s:g} 秒仍未解析完（文件过大或结构异常），已终止该文件的解析"
        return failed_outcome(file, "timeout", error, seconds, self.limits.engine)

    def _stderr_tail(self, size: int = 400) -> str:
        if self.stderr is None:
            return ""
        self.stderr.seek(0)
        return self.stderr.read()[-size:].decode("utf-8", "replace").strip()

    def retire(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
        if self.conn is not None:
            self.conn.close()
        if self.stderr is not None:
            self.stderr.close()
        self.proc = self.conn = self.stderr = None

    def _died(self, file: InputFile) -> ParseOutcome:
        seconds = time.monotonic() - self.started
        code = self.proc.wait() if self.proc else None
        tail = self._stderr_tail()
        died_in_pdfium = PDFIUM_ENGINE_FILE in self._stderr_tail(FAULT_TRACE_BYTES)
        self.retire()
        if tail:  # for the developer, in the log; never in the filing's error
            log.warning("解析进程退出（%s），%s 的标准错误输出：%s", code, plain(file.source_path), plain(tail))
        memory_error = f"内存超限：解析需要超过 {self.limits.memory_limit_mb} MB 内存（可能是解压炸弹或异常巨大的页面），已终止该文件的解析"
        if code == MEMORY_EXIT_CODE:
            kind, error = "memory", memory_error
        elif code == -signal.SIGKILL:
            kind, error = (
                "memory",
                f"内存超限：解析进程被系统终止（可能超过 {self.limits.memory_limit_mb} MB 或机器内存不足）",
            )
        elif code is not None and code < 0 and any(word in tail for word in _MEMORY_WORDS):
            kind, error = "memory", memory_error  # a C library aborted on a failed allocation
        elif code == -signal.SIGABRT and died_in_pdfium:
            # pdfium aborts without a word when an allocation fails under RLIMIT_AS; the worker's fault
            # handler (worker_main) shows the abort came from inside the pdfium engine.
            kind, error = "memory", memory_error
        elif code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
            why = _SIGNAL_NAMES.get(-code, "被信号终止")
            kind, error = (
                "crash",
                f"解析进程崩溃（信号 {name}，{why}；多为 PDF 结构异常触发了底层库的错误），已跳过该文件",
            )
        else:
            kind, error = "crash", f"解析进程意外退出（退出码 {code}），已跳过该文件"
        return failed_outcome(file, kind, error, seconds, self.limits.engine)


# --- the worker side ---------------------------------------------------------------------------


def worker_main() -> None:
    """Entry of a worker process: argv = [socket fd, address space a parse may add in bytes, parent pid, engine]."""
    fd, memory_bytes, parent_pid = (int(arg) for arg in sys.argv[1:4])
    engine = sys.argv[4]
    faulthandler.enable()  # a fatal signal prints the Python stack to stderr: the parent sees where the worker died
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it then kills us
    logging.disable(logging.WARNING)  # pdfminer warns about every odd object; failures come back as outcomes
    # The limit is on top of what the loaded libraries already map (0.4-0.7 GB of mostly reserved,
    # not resident, address space, which grows whenever a module imports another library).
    limit = _address_space_bytes() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn = Connection(fd)
    conn.send(_READY)
    while True:
        try:
            source_path, filing_id = conn.recv()
        except EOFError:
            return
        try:
            conn.send(_parse_one(source_path, filing_id, engine))
        except MemoryError:
            os._exit(MEMORY_EXIT_CODE)  # nothing built, nothing flushed: the parent reports 内存超限


def _parse_one(source_path: str, filing_id: str, engine: str) -> ParseOutcome:
    file = InputFile(source_path, filing_id, 0)
    start = time.perf_counter()
    marker = os.environ.get(STALL_MARKER_ENV)
    if marker and marker in Path(source_path).name:
        signal.pause()  # a test's stand-in for a parse that never ends; the parent's time limit or a kill ends it
    parsed = parse_file(Path(source_path), engine=engine)  # a MemoryError goes up: the worker exits (worker_main)
    seconds = time.perf_counter() - start
    if parsed.filing_id.startswith("unreadable-"):
        return failed_outcome(file, "unreadable", parsed.error or "无法读取文件", seconds, engine)
    if parsed.filing_id != filing_id:
        changed = "文件在本次运行期间被修改，将在下次运行时重新解析"
        return failed_outcome(file, "changed", changed, seconds, engine)
    try:
        tables = parsed_to_tables([parsed])
    except (ValueError, TypeError, OverflowError, pa.ArrowException) as exc:  # rows that do not fit their schema
        error = f"解析程序内部错误（请报告）：{type(exc).__name__}: {plain(str(exc))[:300]}"
        return failed_outcome(file, None, error, seconds, engine)
    return ParseOutcome(
        source_path,
        filing_id,
        parsed.status,
        parsed.error,
        None,
        parsed.n_pages,
        seconds,
        _peak_rss_mb(),
        tables,
        parser_version(engine),
    )


def _address_space_bytes() -> int:
    """This process's mapped address space (VmSize), 0 where /proc is not available."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to kill this worker when its parent dies (kill -9 of a run must not leave orphans)."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the worker still exits on EOF from the parent
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the request above took effect
        sys.exit(0)
