"""Does ``autograder.reports.inert`` leave nothing that runs, while formatting, math and PNG figures survive?

The browser test (test_inert_in_browser.py) shows it in Formgrader and the feedback page; these
check the sanitizer itself, fast, on the same kinds of payload.
"""
from __future__ import annotations

from html.parser import HTMLParser

import nbformat
import pytest
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from autograder.reports.inert import inert_markdown, inert_notebook, inert_output

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
ACTIVE_TAGS = {"script", "iframe", "svg", "object", "embed", "form", "style"}


class _Elements(HTMLParser):
    """The real elements of a page fragment (escaped markup is text, which the grader reads)."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def _markdown2html(source: str) -> str:
    """What Formgrader's and the feedback page's ``markdown2html`` filter makes of a cell."""
    return MarkdownWithMath(renderer=IPythonRenderer(escape=False)).render(source)


@pytest.mark.parametrize("payload", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)><script>alert(2)</script></svg>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>", "<details open ontoggle=alert(1)>x</details>",
    "[link](javascript:alert(1))", "<a href=' jav&#x61;script:alert(1)'>x</a>", "<a href='data:text/html,x'>x</a>",
])
def test_markdown_payloads_render_as_nothing_active(payload):
    """Markdown with raw HTML or a javascript: link: rendered again by the pages, nothing active is left."""
    rendered = _markdown2html(inert_markdown(f"Answer: {payload}"))
    for tag, attributes in _Elements(rendered).elements:
        assert tag not in ACTIVE_TAGS, rendered
        assert not any(name.startswith("on") or name in ("srcdoc", "style") for name in attributes), rendered
        urls = [attributes.get(name, "").strip().lower() for name in ("href", "src")]
        assert not any(url.startswith(("javascript:", "data:text")) for url in urls), rendered
    assert "Answer:" in rendered


def test_markdown_formatting_and_math_survive_and_the_pages_render_it_unchanged():
    """Bold, lists, code with a blank line and math with < and &: kept, and markdown2html passes them through."""
    source = "**bold** and *it*\n\n- one\n- two\n\n```python\na = 1\n\nb = a < 2\n```\n\n$$a &= b < c$$\n"
    inert = inert_markdown(source)
    assert "<strong>bold</strong>" in inert and inert.count("<li>") == 2 and "a &amp;= b &lt; c" in inert
    assert _markdown2html(inert).strip() == inert  # one HTML block: the pages show exactly this
    assert inert_markdown(inert) == inert  # idempotent: feedback may make an autograded notebook inert again


def test_an_attached_png_shows_and_an_attached_document_does_not():
    """A PNG attachment becomes a data: image; an HTML attachment loses its URL."""
    inert = inert_markdown("![a](attachment:a.png) ![b](attachment:b.html)",
                           {"a.png": {"image/png": PNG}, "b.html": {"text/html": "PHNjcmlwdD4="}})
    assert f'src="data:image/png;base64,{PNG}"' in inert and "text/html" not in inert


def test_outputs_keep_text_and_figures_and_lose_scripts():
    """HTML sanitized, JavaScript and widgets replaced by a note, PNG kept with a numeric size only."""
    html = inert_output(new_output("display_data", data={"text/html": "<b>t</b><img src=x onerror=alert(1)>"},
                                   metadata={"text/html": {"isolated": True}}))
    assert html.data["text/html"] == '<b>t</b><img src="x">' and html.metadata == {}
    script = inert_output(new_output("display_data", data={"application/javascript": "alert(1)",
                                                           "application/vnd.jupyter.widget-view+json": {}}))
    assert list(script.data) == ["text/plain"] and "application/javascript" in script.data["text/plain"]
    png = inert_output(new_output("display_data", data={"image/png": PNG},
                                  metadata={"image/png": {"width": "1 onload=alert(1)", "height": 5}}))
    assert png.data["image/png"] == PNG and png.metadata == {"image/png": {"height": 5}}
    forged = inert_output(new_output("display_data", data={"image/png": 'x" onerror="alert(1)', "text/plain": "p"}))
    assert "image/png" not in forged.data
    assert inert_output(new_output("stream", name="stdout", text="<script>")).text == "<script>"  # escaped by nbconvert


def test_a_notebook_is_made_inert_everywhere():
    """Markdown, raw and code cells, graders' comments and widget state."""
    nb = new_notebook(cells=[new_markdown_cell("<script>1</script>"), new_raw_cell("<script>2</script>"),
                             new_code_cell("x", outputs=[new_output("display_data", data={"text/html": "<script>"})])],
                      metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {}}})
    nb.cells[0].metadata["nbgrader"] = {"comment": "<img src=x onerror=alert(3)>"}
    text = nbformat.writes(inert_notebook(nb))
    assert "<script" not in text and "onerror=alert" not in text.replace("&lt;img src=x onerror=alert", "")
    assert "widgets" not in nb.metadata
