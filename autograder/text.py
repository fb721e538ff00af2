"""Text that reaches a report: always encodable, never a terminal command.

Messages in a report come partly from a submission (an exception's text, a file name), which
can hold lone surrogates (``"\\ud800"``: no encoder accepts them, so writing the feedback
failed), terminal escape sequences (which would run in the instructor's terminal when the
table is printed) or bidirectional overrides (which make text read differently from what it
is). Each such character becomes U+FFFD; newlines and tabs stay. Such text is also of any
length, so every cut goes through ``shorten``.
"""
from __future__ import annotations

import re

REPLACEMENT = "\ufffd"
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def readable(text: object) -> str:
    """``text`` (anything: a worker may send a number where text belongs) as safe, encodable text."""
    return _UNSAFE.sub(REPLACEMENT, text if isinstance(text, str) else str(text))


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in "..." when cut: a submission chooses its length."""
    return text if len(text) <= limit else text[:max(0, limit - 3)] + "..."
