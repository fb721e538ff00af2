"""Do the public checks' recorded answers, which ship in the student bundle, earn anything when the grader grades?

``hostile.recorded_answers_returned`` answers the published inputs of five public checks with the recorded values, and
two more with the hand-worked losses of their fixed tensors. Graded with the public checks only, under the published
key (what the self-check and ``grade --public-only`` use), the forgery works: it earns exactly those seven checks, so
the entry can fail. Graded as the grader grades, under its
own key, the same notebook earns nothing on the parts it did not write (issue 21).
"""
from __future__ import annotations

import pytest

from autograder.running.grading import grade_submission
from hostile import ENTRIES, HAND_WORKED_ANSWERS, RECORDED_ANSWERS, Targets

pytestmark = pytest.mark.slow

ENTRY = next(e for e in ENTRIES if e.name == "recorded_answers_returned")
FORGED = {name for names in RECORDED_ANSWERS.values() for name in names} | set(HAND_WORKED_ANSWERS)


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    root = tmp_path_factory.mktemp("recorded")
    path = root / "vae.ipynb"
    path.write_bytes(ENTRY.build(Targets(canary_dir=root / "outside", results=root / "results",
                                         marker=root / "marker")))
    return path


def test_the_recorded_answers_pass_the_public_checks_on_the_published_inputs(notebook):
    """Under the published key the forgery earns the seven public checks it answers, and no other of those parts."""
    report = grade_submission(notebook, include_hidden=False)
    passed = {r.id for r in report.results if r.part in ENTRY.sabotages and r.score > 0}
    assert passed == FORGED


def test_the_recorded_answers_earn_nothing_when_the_grader_grades(notebook):
    """Under the grader's key the same notebook earns nothing on vae_loss, ConvVAE, VAE and train_epoch."""
    report = grade_submission(notebook, include_hidden=True)
    earned = {r.id: r.message for r in report.results if r.part in ENTRY.sabotages and r.score > 0}
    assert not earned
    # each fails on the comparison with what the grader computed for its own inputs, not on anything else
    compared = ("what the described decoder computes", "mean loss per image", "weights are off", "off by up to nan")
    messages = {r.id: r.message for r in report.results if r.id in FORGED}
    assert sorted(messages) == sorted(FORGED)
    assert all(any(phrase in message for phrase in compared) for message in messages.values()), messages
