"""Is every text that reaches a report encodable and harmless, whatever a submission puts in it?"""
from __future__ import annotations

import json
import re

from autograder.running.grading import CheckResult, GradeReport
from autograder.reports.nbgrader_grades import part_feedback
from autograder.reports.report import feedback_markdown, gradescope_results, summary_table
from autograder.framework.errors import StudentError
from autograder.framework.text import REPLACEMENT, readable

NASTY = "lone \ud800 surrogate, escape \x1b[2J\x1b]0;pwned\x07, bell \x07, bidi \u202eevil, nul \x00, cr \r"


def _report() -> GradeReport:
    error = StudentError({"type": "ValueError\udcff", "message": NASTY, "where": " (cell 3\x1b[1m)"})
    results = [CheckResult("vae_loss.bce", "vae_loss", "Is it BCE?", 2, 0, False, f"Your code raised {error}."),
               CheckResult("vae_loss.hidden", "vae_loss", "Hidden?", 1, 0, True, NASTY)]
    return GradeReport(submission="submissions/\udcffname.ipynb", results=results, notes=[NASTY],
                       theory={"theory_kl": False})


def test_readable_keeps_ordinary_text_and_replaces_the_rest():
    """Do letters, accents, newlines and tabs stay, and surrogates, escapes and bidi overrides go?"""
    assert readable("Café α\n\tok") == "Café α\n\tok"
    cleaned = readable(NASTY)
    assert not set("\ud800\x1b\x07\u202e\x00\r") & set(cleaned) and REPLACEMENT in cleaned
    assert readable(12) == "12"


def test_every_report_encodes_as_strict_utf8_and_ascii_json():
    """Do results.json, feedback.md and the table encode, with no control character left in them?"""
    report = _report()
    for text in (json.dumps(gradescope_results(report)), feedback_markdown(report), feedback_markdown(report, True),
                 summary_table(report)):
        text.encode("utf-8")  # strict: a lone surrogate raised UnicodeEncodeError here
        assert not set("\ud800\udcff\x1b\x07\u202e\x00\r") & set(text)
    results = gradescope_results(report)
    assert all(REPLACEMENT in t["output"] for t in results["tests"] if not t["name"].startswith("theory."))
    assert "\ud800" not in json.loads(json.dumps(results))["output"]


def test_feedback_and_nbgrader_cells_show_a_check_the_same_way():
    """Does a part read the same in the Markdown feedback and under nbgrader's test cell, hidden checks as a count?"""
    report = _report()
    markdown, cell = feedback_markdown(report), part_feedback("vae_loss", report.results)
    assert "- **FAIL** `vae_loss.bce` (0/2): Is it BCE?" in markdown and "FAIL vae_loss.bce (0/2): Is it BCE?" in cell
    assert "Hidden?" not in markdown + cell and "Hidden checks: 0/1 points from 1 checks." in cell


def test_counts_take_their_word_in_the_right_number():
    """"1 hidden check worth 1 points" once reached students."""
    from autograder.reports.render import counted

    assert [counted(1, "point"), counted(0.5, "point"), counted(2, "hidden check")] == \
        ["1 point", "0.5 points", "2 hidden checks"]


HTML = '<img src=x onerror=alert(1)> [click](javascript:alert(1)) ![t](http://track.example/p.gif) `code` &amp;'


def test_markdown_feedback_shows_a_submissions_html_and_links_as_text():
    """Do HTML, links, images and code spans from a submission's name, notes and messages stay text in feedback.md?"""
    error = StudentError({"type": "ValueError", "message": HTML, "where": ""})
    report = GradeReport(submission=f"submitted/{HTML}/vae.ipynb", notes=[HTML], results=[
        CheckResult("vae_loss.bce", "vae_loss", "Is it BCE?", 2, 0, False, f"Your code raised {error}.")])
    markdown = feedback_markdown(report)
    for raw in ("<img", "[click]", "![t]", "`code`"):
        assert raw not in markdown, raw
    student_lines = [line for line in markdown.splitlines() if line.startswith(("# Feedback", "- Note:", "  - "))]
    assert len(student_lines) == 3 and not re.search(r"(?<!\\)[\[\]`<>]", "\n".join(student_lines))
    assert markdown.count("&lt;img src=x onerror=alert(1)&gt; \\[click\\](javascript:alert(1))") == 3
    assert "\\`code\\` &amp;amp;" in markdown


def test_results_json_writes_scores_one_way_and_counts_the_written_answers():
    """Are scores written as 17, never 17.0, and is each written answer graded, not graded yet or unanswered?"""
    from autograder.assignment.parts import the_assignment

    assignment = the_assignment()
    results = [CheckResult("a.one", "a", "One?", 2, 2.0, False, "Passed."),
               CheckResult("a.two", "a", "Two?", 2, 0.0, False, "no"), CheckResult("a.half", "a", "Half?", 0.5, 0.5,
                                                                                False, "Passed.")]
    first, second, third = assignment.written_ids[:3]
    report = GradeReport(submission="s.ipynb", results=results, theory={w: w != third for w in assignment.written_ids},
                         written={first: 2.0, second: 1.5})
    out = gradescope_results(report)
    assert json.dumps(out["score"]) == "6" and json.dumps(out["max_score"]) == f"{4.5 + assignment.written_points:g}"
    assert [json.dumps(t["score"]) for t in out["tests"][:3]] == ["2", "0", "0.5"]
    written = {t["name"].split(":")[0]: t for t in out["tests"][3:]}
    assert list(written) == [f"theory.{w}" for w in assignment.written_ids]
    assert all(name.endswith(": written answer (graded by a person)") for name in
               [t["name"] for t in written.values()])  # one name for every student, in every state
    assert written[f"theory.{first}"]["output"] == "Graded: 2/2 points."
    assert (written[f"theory.{second}"]["score"], written[f"theory.{second}"]["max_score"]) == (1.5, 2)
    assert written[f"theory.{third}"]["output"] == "No answer: 0/2 points."
    waiting = written[f"theory.{assignment.written_ids[3]}"]
    assert waiting["output"] == "Answered, not graded yet: 0/2 points until a person grades it."
    assert waiting["score"] == 0
    table = summary_table(report)
    assert f"{len(assignment.written) - 3} answered, not graded yet; 1 not answered" in table
    blank = summary_table(GradeReport(submission="s.ipynb", results=results, theory={}))
    assert re.search(rf"^written +0/{assignment.written_points:g} +{len(assignment.written)} not answered$", blank, re.M)
    assert re.search(rf"^total +6/{4.5 + assignment.written_points:g} ", table, re.M)


def test_a_part_whose_points_a_person_set_counts_those_everywhere():
    """A part overridden in Formgrader: do results.json's score, the table's total and the feedback count the set
    points instead of its checks', and say what the checks gave?"""
    results = [CheckResult("a.one", "a", "One?", 2, 2.0, False, "Passed."),
               CheckResult("a.two", "a", "Two?", 2, 0.0, True, "no"), CheckResult("b.one", "b", "B?", 3, 3.0, False,
                                                                               "Passed.")]
    report = GradeReport(submission="s.ipynb", results=results, written={"theory_kl": 1.0}, overrides={"a": 3.5})
    assert report.score == 5 and report.total_score == 3.5 + 3 + 1
    out = gradescope_results(report)
    assert json.dumps(out["score"]) == "7.5"
    assert "a: 3.5/4 points, set by a person in Formgrader (the checks gave 2)" in out["output"]
    assert re.search(r"^a +3\.5/4 +set by a person in Formgrader, instead of the checks' 2$", summary_table(report), re.M)
    assert re.search(r"^total +7\.5/", summary_table(report), re.M)
    assert "- Points set by a person: 3.5/4, instead of the checks'." in feedback_markdown(report)
