"""Text that reaches a report: always encodable, never a terminal command.

Messages in a report come partly from a submission (an exception's text, a file name), which
can hold lone surrogates (``"\\ud800"``: no encoder accepts them, so writing the feedback
failed), terminal escape sequences (which would run in the instructor's terminal when the
table is printed) or bidirectional overrides (which make text read differently from what it
is). Each such character becomes U+FFFD; newlines and tabs stay. Such text is also of any
length, so every cut goes through ``shorten``. Where such text lands in a spreadsheet or in Markdown it is
also made inert: ``spreadsheet_cell`` keeps a cell from starting a formula, ``markdown_text`` keeps Markdown
from reading HTML, links or images in it.
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


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets read as a formula (OWASP, CSV injection)
_MARKDOWN_ESCAPES = {"\\": "\\\\", "&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "`": "\\`"}


def spreadsheet_cell(text: str) -> str:
    """``text`` as a CSV cell a spreadsheet shows as text: one starting a formula gets a leading ``'``."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def markdown_text(text: str) -> str:
    """``text`` shown as itself in Markdown: no HTML (``<``, ``&``), no link or image (``[``), no code span."""
    return "".join(_MARKDOWN_ESCAPES.get(character, character) for character in text)
