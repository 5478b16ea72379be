"""The files a run reads: folders, files and glob patterns → regular PDF files inside the input roots, and what was skipped.

A folder of PDFs can hold anything: a FIFO that would block the first read forever, a device, a
socket, a symbolic link to /etc/passwd or to a file elsewhere. Only regular files are read, and a
symbolic link (to a file or a folder) is followed only when its target lies inside one of the input
roots (the folders the patterns name) or a configured allowed root; everything else is skipped with
a note in Chinese.
"""

from __future__ import annotations

import glob
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class InputsError(ValueError):
    """The patterns name nothing to read: a path that does not exist, or no PDF at all."""


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str  # Chinese, for the run summary and the log


@dataclass(frozen=True)
class Inputs:
    files: tuple[Path, ...]  # regular files, resolved, sorted, each once
    skipped: tuple[Skipped, ...]
    roots: tuple[Path, ...]  # resolved folders the patterns name, plus the allowed roots


def input_root(pattern: Path) -> Path:
    """The folder a pattern reads from: a folder itself, a file's folder, a glob's leading folders without wildcards."""
    if glob.has_magic(str(pattern)):
        parts = []
        for part in pattern.parts:
            if glob.has_magic(part):
                break
            parts.append(part)
        return Path(*parts) if parts else Path(".")
    return pattern if pattern.is_dir() else pattern.parent


def find_inputs(patterns: Sequence[str], base: Path, allowed_roots: Sequence[str | Path] = ()) -> Inputs:
    """Every regular PDF file the patterns name (relative ones taken from `base`).

    A named folder or file that does not exist is an error, not an empty input: an unmounted share
    must not look like a corpus whose files were all removed. So is finding no PDF at all.
    """
    named: list[tuple[Path, bool]] = []  # (path, named explicitly) — an explicit file need not end in .pdf
    roots: list[Path] = []
    for pattern in patterns:
        full = Path(pattern) if Path(pattern).is_absolute() else Path(base) / pattern
        roots.append(input_root(full).resolve())
        if glob.has_magic(str(full)):
            named += [(Path(p), False) for p in sorted(glob.glob(str(full), recursive=True))]
        elif full.exists() or full.is_symlink():
            named.append((full, True))
        else:
            raise InputsError(f"输入路径不存在：{full}")
    roots += [Path(p).resolve() for p in allowed_roots]
    finder = _Finder(tuple(dict.fromkeys(roots)))
    for path, explicit in named:
        finder.add(path, explicit)
    if not finder.files:
        raise InputsError(f"没有找到 PDF 文件：{', '.join(patterns)}（为免清空已有数据集，本次不运行）")
    return Inputs(tuple(sorted(finder.files)), tuple(finder.skipped), finder.roots)


class _Finder:
    def __init__(self, roots: tuple[Path, ...]) -> None:
        self.roots = roots
        self.files: set[Path] = set()
        self.skipped: list[Skipped] = []
        self.seen_dirs: set[Path] = set()

    def add(self, path: Path, explicit: bool) -> None:
        try:
            info = path.lstat()
        except OSError as exc:
            self.skip(path, f"无法读取：{exc.strerror or exc}")
            return
        target = path.resolve()  # a link, or a path through a linked folder (a glob's ** follows those)
        if not self.inside_roots(target):
            self.skip(path, f"符号链接指向输入目录之外（{target}），未读取")
            return
        if stat.S_ISLNK(info.st_mode):
            try:
                info = target.stat()
            except OSError:
                self.skip(path, "符号链接的目标不存在，未读取")
                return
        if stat.S_ISDIR(info.st_mode):
            self.walk(target)
        elif not stat.S_ISREG(info.st_mode):
            self.skip(path, f"不是普通文件（{_kind(info.st_mode)}），未读取")
        elif explicit or target.suffix.lower() == ".pdf" or path.suffix.lower() == ".pdf":
            self.files.add(target)

    def walk(self, folder: Path) -> None:
        real = folder.resolve()
        if real in self.seen_dirs:  # a folder linked twice, or a link cycle
            return
        self.seen_dirs.add(real)
        try:
            entries = sorted(os.scandir(real), key=lambda e: e.name)
        except OSError as exc:
            self.skip(folder, f"无法读取目录：{exc.strerror or exc}")
            return
        for entry in entries:
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False) or entry.is_symlink() or path.suffix.lower() == ".pdf":
                self.add(path, explicit=False)

    def inside_roots(self, target: Path) -> bool:
        return any(target == root or target.is_relative_to(root) for root in self.roots)

    def skip(self, path: Path, reason: str) -> None:
        self.skipped.append(Skipped(str(path), reason))


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "命名管道"
    if stat.S_ISSOCK(mode):
        return "套接字"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件"
    return "特殊文件"
