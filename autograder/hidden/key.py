"""The grader's key (``framework.seeds``): every check draws its inputs under it when the grader grades.

It is never shipped, so no student can reproduce the inputs of a graded public check or look up
what they give; the self-check and ``grade --public-only`` keep the published inputs, which the
recorded values answer. Changing the number changes every graded input and nothing else: a correct
submission scores the same under any key.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from autograder.assignment.recorded import compute_live_values
from autograder.framework.seeds import inputs_key
from autograder.hidden.recordings import all_recordings

GRADING_KEY = 0x7AE5_C0DE


@contextlib.contextmanager
def graders_inputs() -> Iterator[None]:
    """Grade under the grader's key inside the block, the public checks' expected values computed first."""
    all_recordings()  # registers the computations
    with inputs_key(GRADING_KEY):
        compute_live_values()
        yield
