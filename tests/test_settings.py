"""configs/nightly.toml and configs/sources.toml: loading, validation, and inputs from folders and globs."""

from __future__ import annotations

import pytest

from budgetml.settings import SettingsError, load_settings, load_sources, resolve_inputs


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
    with pytest.raises(SettingsError, match="输入路径不存在"):
        resolve_inputs(["missing-share"], tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(SettingsError, match="没有找到 PDF 文件"):
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
