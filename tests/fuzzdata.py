"""Hostile input folders for the fuzz test and scripts/fuzz.py: seeded mutants of real-looking filings plus hand-made traps."""

from __future__ import annotations

import os
import random
import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from tests import badpdfs, flowdata

OUTSIDE_TARGET = "/etc/passwd"  # what the planted link points to: must never be read, hashed or published


def source_pdfs(folder: Path) -> list[bytes]:
    """The bytes mutants are made from: a budget filing (tables, fonts, compressed streams), prose, a tiny dictionary."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        flowdata.budget_pdf(folder / "budget.pdf").read_bytes(),
        badpdfs.prose_pdf(folder / "prose.pdf", pages=2).read_bytes(),
        badpdfs.odd_key_pdf(folder / "odd.pdf").read_bytes(),
    ]


# --- mutations: each takes the bytes and a random source, returns new bytes ---------------------------


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data))]


def drop_xref(data: bytes, rng: random.Random) -> bytes:
    cut = data.rfind(b"xref")
    return data[:cut] + data[cut + rng.randint(4, 200) :] if cut >= 0 else data[::-1]


def duplicate_object(data: bytes, rng: random.Random) -> bytes:
    objects = list(re.finditer(rb"\d+ 0 obj.*?endobj", data, re.DOTALL))
    if not objects:
        return data + data
    chosen = rng.choice(objects)
    at = rng.choice(objects).end()
    return data[:at] + b"\n" + chosen.group(0) + data[at:]


def page_tree_cycle(data: bytes, rng: random.Random) -> bytes:
    """Point /Kids or /Parent at the wrong object: trees that loop on themselves."""
    numbers = [int(m) for m in re.findall(rb"(\d+) 0 obj", data)] or [1]
    target = rng.choice(numbers)
    pattern = rb"/Kids \[[^\]]*\]" if rng.random() < 0.5 else rb"/Parent \d+ 0 R"
    replacement = b"/Kids [%d 0 R %d 0 R]" % (target, target) if b"Kids" in pattern else b"/Parent %d 0 R" % target
    return re.sub(pattern, replacement, data, count=rng.randint(1, 3))


def huge_numbers(data: bytes, rng: random.Random) -> bytes:
    """Counts, lengths and coordinates far out of range."""
    value = rng.choice([b"99999999999999999999", b"-1", b"1e308", b"0", b"4294967296"])
    key = rng.choice([rb"/Count \d+", rb"/Length \d+", rb"/MediaBox \[[^\]]*\]", rb"/Size \d+"])
    return re.sub(key, key.split(b" ")[0].replace(b"\\", b"") + b" " + value, data, count=1)


def splice(data: bytes, rng: random.Random) -> bytes:
    a, b = sorted(rng.randrange(len(data)) for _ in range(2))
    return data[:a] + data[b:] + data[a:b]


def zero_range(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(data))
    length = rng.randint(1, 4096)
    return data[:start] + bytes(min(length, len(data) - start)) + data[start + length :]


MUTATIONS: tuple[Callable[[bytes, random.Random], bytes], ...] = (
    flip_bytes,
    truncate,
    drop_xref,
    duplicate_object,
    page_tree_cycle,
    huge_numbers,
    splice,
    zero_range,
)


def mutants(sources: list[bytes], n: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """n mutants, the same for the same seed: (file name saying how it was made, bytes)."""
    rng = random.Random(seed)
    for k in range(n):
        source = rng.randrange(len(sources))
        data = sources[source]
        steps = [rng.choice(MUTATIONS) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
        for mutate in steps:
            data = mutate(data, rng) or b"%PDF"
        yield f"m{k:04d}-s{source}-{'+'.join(m.__name__ for m in steps)}.pdf", data


# --- hand-made traps ---------------------------------------------------------------------------------


def self_referencing_contents(path: Path) -> Path:
    """A page whose /Contents array holds itself: naive resolution never ends."""
    return badpdfs.minimal_pdf(
        path,
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"[4 0 R 4 0 R]",
        ],
    )


def deep_array(path: Path, depth: int = 200_000) -> Path:
    """A content stream nesting arrays 200,000 deep."""
    stream = zlib.compress(b"[" * depth + b"]" * depth)
    return badpdfs.minimal_pdf(
        path,
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        ],
    )


def many_rectangles(path: Path, n: int = 2_000_000) -> Path:
    """One page drawing two million rectangles: a few MB on disk, gigabytes as layout objects."""
    ops = b"".join(b"%d %d 1 1 re f\n" % (k % 500, (k // 500) % 800) for k in range(n))
    stream = zlib.compress(ops)
    return badpdfs.minimal_pdf(
        path,
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        ],
    )


def hostile_folder(folder: Path, n_mutants: int, seed: int, bomb_mb: int = 512) -> dict[str, list[Path]]:
    """Mutants, traps and non-files in one folder: {"regular": PDFs that must each get a row, "not_read": the rest}."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = source_pdfs(folder.parent / f"{folder.name}-sources")
    regular = []
    for name, data in mutants(sources, n_mutants, seed):
        (folder / name).write_bytes(data)
        regular.append(folder / name)
    regular += [
        badpdfs.odd_key_pdf(folder / "odd [bold] key\n.pdf"),
        self_referencing_contents(folder / "self-contents.pdf"),
        deep_array(folder / "deep-array.pdf"),
        flowdata.bomb_pdf(folder / "bomb.pdf", decompressed_mb=bomb_mb),
        many_rectangles(folder / "rectangles.pdf"),
        flowdata.huge_amount_pdf(folder / "huge-amount.pdf"),
        badpdfs.empty_file(folder / "empty.pdf"),
    ]
    os.mkfifo(folder / "fifo.pdf")
    os.symlink(OUTSIDE_TARGET, folder / "passwd.pdf")
    return {"regular": regular, "not_read": [folder / "fifo.pdf", folder / "passwd.pdf"]}
