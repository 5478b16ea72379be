"""Print text that comes from PDFs, paths, errors or users to the terminal as plain text, never as markup.

pdfminer's messages quote PDF dictionaries (`[/'Type', …`), file names may hold `[` or a newline,
and review notes are typed by people: none of it may be read as rich markup, move the cursor or
forge a line of the log. Colour comes from `style=`, never from brackets inside the text.
"""

from __future__ import annotations

import re

from rich.console import Console

# C0 and C1 control characters and DEL: a newline in a file name must not start a new log line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def plain(text: object) -> str:
    """`text` with every control character shown as an escape (`\\n`, `\\x1b`), on one line."""
    return _CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), str(text))


def plain_console(stderr: bool = False) -> Console:
    """A console that never interprets markup, highlights or wraps: what it prints is what it was given."""
    return Console(stderr=stderr, markup=False, highlight=False, emoji=False, soft_wrap=True)
