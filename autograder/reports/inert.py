"""A student's notebook made inert: her Markdown and outputs display, and none of it can run.

Formgrader and nbgrader's feedback page render a submitted notebook with nbconvert: a Markdown cell
goes through ``markdown2html`` with its raw HTML and ``javascript:`` links kept, and nbconvert's
classic template writes ``text/html`` outputs as they are, runs ``application/javascript`` ones and
puts an ``isolated`` output's HTML in an iframe. Those pages run in the instructor's Jupyter session,
so a script there could start kernels as the instructor. This module rewrites the notebook itself
(the file those pages render): bleach (a maintained HTML sanitizer) keeps formatting tags and
escapes everything else, so an attempt shows as text.

A Markdown cell is rendered here with nbconvert's own renderer, sanitized, and stored as one HTML
block with no blank line: the pages' ``markdown2html`` passes such a block through unchanged, so
the cell looks as the student's Markdown would, math included (MathJax reads the page's text).
"""
from __future__ import annotations

import re

import bleach
import nbformat
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

# Formatting that Markdown produces, plus tables and images; no form, frame, script, style or SVG.
TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "samp", "small",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
})
# No id or name (they would shadow the page's own globals), no style, no event handler, no data-*.
ATTRIBUTES = {
    "a": ["href", "title"], "abbr": ["title"], "img": ["src", "alt", "title", "width", "height"],
    "td": ["colspan", "rowspan", "align"], "th": ["colspan", "rowspan", "align"],
    "ol": ["start"], "code": ["class"], "div": ["class"], "pre": ["class"], "span": ["class"],
}
PROTOCOLS = frozenset({"http", "https", "mailto", "data"})  # relative URLs are allowed too
# An image that a page may show from inside the notebook: base64 data of an image type, never a document.
IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]*", re.I)
BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
SAFE_MIMETYPES = ("text/plain", "text/latex")  # nbconvert's templates escape these
IMAGE_MIMETYPES = ("image/png", "image/jpeg")  # written into an img's data: URL
SANITIZED_MIMETYPES = ("text/html", "text/markdown")
# image/svg+xml is kept: nbconvert's templates (and JupyterLab) show it as an img, where no script runs.
SVG = "image/svg+xml"


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name not in ATTRIBUTES.get(tag, ()):
        return False
    if name in ("width", "height"):
        return value.isdigit()
    if name in ("href", "src") and value.strip().lower().startswith("data:"):
        return tag == "img" and IMAGE_DATA.fullmatch(value.strip()) is not None
    return True


CLEANER = bleach.Cleaner(tags=TAGS, attributes=_allowed_attribute, protocols=PROTOCOLS, strip=False,
                         strip_comments=True)


def inert_html(html: str) -> str:
    """``html`` with only formatting left: any other tag or attribute escaped or dropped."""
    return CLEANER.clean(html)


def inert_markdown(source: str, attachments: dict | None = None) -> str:
    """Markdown as inert HTML that Markdown renders unchanged (one ``<div>`` block, no blank line).

    Idempotent: what it returns comes back the same, so a notebook can be made inert twice.
    """
    renderer = IPythonRenderer(escape=False, attachments=attachments or {}, exclude_anchor_links=True)
    html = inert_html(MarkdownWithMath(renderer=renderer).render(source)).strip()
    if not html.startswith("<div"):
        html = f"<div>{html}</div>"
    # A blank line would end the HTML block; as an entity the newline is the same text (kept in <pre>).
    return re.sub(r"\n(?=[ \t]*\n)", "&#10;", html)


def _removed(mimetypes: list[str]) -> str:
    return f"[not shown: {', '.join(mimetypes)} output, which could run in the reader's browser]"


def inert_output(output: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    """One output as it may be shown: text and images kept, HTML sanitized, scripts and widgets removed."""
    if output.output_type in ("stream", "error"):  # nbconvert escapes their text
        return output
    if output.output_type not in ("display_data", "execute_result"):
        return None
    data, removed = {}, []
    for mimetype, value in output.get("data", {}).items():
        text = value if isinstance(value, str) else "".join(value) if isinstance(value, list) else None
        if text is None:
            removed.append(mimetype)
        elif mimetype in SAFE_MIMETYPES or mimetype == SVG:
            data[mimetype] = text
        elif mimetype in IMAGE_MIMETYPES and BASE64.fullmatch(text):
            data[mimetype] = text
        elif mimetype == "text/html":
            data[mimetype] = inert_html(text)
        elif mimetype == "text/markdown":
            data[mimetype] = inert_markdown(text)
        else:
            removed.append(mimetype)
    if removed and not set(data) - {"text/plain"}:
        data["text/plain"] = _removed(removed)
    return nbformat.from_dict({**output, "data": data, "metadata": _image_sizes(output.get("metadata", {}))})


def _image_sizes(metadata: dict) -> dict:
    """An output's metadata cut to its images' whole-number sizes: no ``isolated`` (an iframe), no ``filenames``."""
    sizes = {}
    for mimetype in IMAGE_MIMETYPES:
        entry = metadata.get(mimetype)
        if isinstance(entry, dict):
            sizes[mimetype] = {key: entry[key] for key in ("width", "height")
                               if type(entry.get(key)) is int}  # noqa: E721  (bool is not a size)
    return sizes


def inert_cell(cell: nbformat.NotebookNode) -> None:
    """Make one cell inert in place: Markdown and raw text sanitized, outputs filtered, attachments embedded."""
    if cell.cell_type == "markdown":
        cell.source = inert_markdown(cell.source, cell.get("attachments"))
        cell.pop("attachments", None)  # embedded as data: images, or dropped if not images
    elif cell.cell_type == "raw":
        cell.source = inert_html(cell.source)
    elif cell.cell_type == "code":
        cell.outputs = [inert for inert in map(inert_output, cell.get("outputs", [])) if inert is not None]
    comment = cell.get("metadata", {}).get("nbgrader", {}).get("comment")
    if isinstance(comment, str):  # a grader's comment, which may quote the student; rendered as Markdown too
        cell.metadata.nbgrader.comment = inert_markdown(comment)


def inert_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Make every cell of ``nb`` inert, and drop widget state (its presence loads a widget renderer)."""
    for cell in nb.cells:
        inert_cell(cell)
    nb.metadata.pop("widgets", None)
    return nb
