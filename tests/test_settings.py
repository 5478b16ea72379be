"""configs/nightly.toml and configs/sources.toml: loading, validation, and inputs from folders and globs."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from budgetml.inputs import InputsError, find_inputs
from budgetml.settings import SettingsError, load_settings, load_sources
from tests.deadlines import HANG_GUARD_S


def resolve_inputs(patterns, base, allowed_roots=()):
    return list(find_inputs(patterns, base, allowed_roots).files)


def test_the_projects_configs_load():
    settings = load_settings()
    assert settings.worker_count >= 1 and settings.limits.time_limit_s > 0 and settings.cron
    assert all(source.paths for source in load_sources())


def test_inputs_from_folders_files_and_globs(tmp_path):
    (tmp_path / "2025" / "武昌区").mkdir(parents=True)
    (tmp_path / "2026").mkdir()
    a = tmp_path / "2025" / "武昌区" / "a b.PDF"
    b = tmp_path / "2026" / "b.pdf"
    for path in (a, b, tmp_path / "2026" / "notes.txt"):
        path.write_bytes(b"%PDF-1.4")
    assert resolve_inputs(["2025"], tmp_path) == [a]
    assert resolve_inputs(["*/*.pdf", "2025"], tmp_path) == [a, b]
    assert resolve_inputs(["**/*.pdf"], tmp_path) == [
        b
    ]  # glob is case-sensitive; folders are searched case-insensitively
    assert resolve_inputs([str(b)], tmp_path) == [b]


def test_a_missing_path_or_no_pdf_stops_the_run(tmp_path):
    with pytest.raises(InputsError, match="输入路径不存在"):
        resolve_inputs(["missing-share"], tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputsError, match="没有找到 PDF 文件"):
        resolve_inputs(["empty", "nothing-*.pdf"], tmp_path)


def test_unknown_keys_and_bad_values_are_errors(tmp_path):
    path = tmp_path / "nightly.toml"
    path.write_text("[parse]\nworkers = 2\ntimeout = 5\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="timeout"):
        load_settings(path)
    path.write_text("[parse]\nmemory_limit_mb = 10\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="memory_limit_mb"):
        load_settings(path)
    path.write_text(
        "[parse]\nworkers = 3\ntime_limit_s = 30\n[dask]\naddress = 'tcp://10.0.0.5:8786'\n", encoding="utf-8"
    )
    settings = load_settings(path)
    assert (settings.worker_count, settings.limits.time_limit_s, settings.dask_address) == (
        3,
        30.0,
        "tcp://10.0.0.5:8786",
    )
    assert settings.limits.cache_tag == "t30-m2048"


def test_only_regular_files_are_read_and_the_others_are_noted(tmp_path):
    """A FIFO matched by a folder, a glob or its own name used to hang discovery forever (its first read blocks)."""
    folder = tmp_path / "in"
    folder.mkdir()
    good = folder / "good.pdf"
    good.write_bytes(b"%PDF-1.4")
    os.mkfifo(folder / "pipe.pdf")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(folder / "socket.pdf"))
    os.symlink("/dev/zero", folder / "zero.pdf")
    os.symlink("/dev/zero", folder / "inside-dev.pdf")
    done = threading.Event()
    results = []

    def discover():
        results.append(find_inputs(["in", "in/*.pdf", "in/pipe.pdf"], tmp_path, allowed_roots=["/dev"]))
        done.set()

    threading.Thread(target=discover, daemon=True).start()
    assert done.wait(HANG_GUARD_S), "discovery blocked on a FIFO"
    found = results[0]
    assert found.files == (good,)
    reasons = {Path(s.path).name: s.reason for s in found.skipped}
    assert "命名管道" in reasons["pipe.pdf"] and "套接字" in reasons["socket.pdf"]
    assert "设备文件" in reasons["zero.pdf"]  # allowed as a root here, and still not a regular file
    listener.close()


def test_links_are_followed_inside_the_input_roots_only(tmp_path):
    folder, elsewhere = tmp_path / "in", tmp_path / "elsewhere"
    (folder / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    inside = folder / "sub" / "a.pdf"
    outside = elsewhere / "b.pdf"
    for path in (inside, outside):
        path.write_bytes(b"%PDF-1.4")
    os.symlink("/etc/passwd", folder / "passwd.pdf")
    os.symlink(outside, folder / "b-link.pdf")
    os.symlink(inside, folder / "a-link.pdf")  # inside: the same filing as a.pdf
    os.symlink(elsewhere, folder / "linked-folder")
    os.symlink(folder, folder / "sub" / "cycle")

    found = find_inputs(["in"], tmp_path)
    assert found.files == (inside,)
    skipped = {Path(s.path).name for s in found.skipped if "输入目录之外" in s.reason}
    assert skipped == {"passwd.pdf", "b-link.pdf", "linked-folder"}
    for patterns in (["in/**/*.pdf"], ["in/passwd.pdf", "in/sub/a.pdf"], ["in/*/b.pdf", "in/sub"]):
        assert find_inputs(patterns, tmp_path).files == (inside,), patterns  # a glob's ** follows linked folders
    # A pattern naming a path is its own root (an input folder may be a link to a mounted share).
    assert find_inputs(["in/linked-folder"], tmp_path).files == (outside,)
    assert find_inputs(["in"], tmp_path, allowed_roots=[elsewhere]).files == (outside, inside)


def test_the_inputs_section_of_the_settings(tmp_path):
    assert load_settings().max_vanished_pct == 5
    path = tmp_path / "nightly.toml"
    path.write_text("[inputs]\nmax_vanished_pct = 20\nallowed_roots = ['/srv/pdfs']\n", encoding="utf-8")
    settings = load_settings(path)
    assert (settings.max_vanished_pct, settings.allowed_roots) == (20.0, ("/srv/pdfs",))
    path.write_text("[inputs]\nmax_vanished_pct = 150\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="max_vanished_pct"):
        load_settings(path)
