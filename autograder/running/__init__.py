"""Grading a submission: read it, run every check against the sandbox's worker, supervise the grader.

``submission`` (the one reader of an untrusted submission), ``students`` (how a check reaches the
submission: through the sandbox or in this process), ``grading`` (one grading, in order),
``stream`` (the JSON lines a grading child sends, and the report assembled from whatever arrived),
``children`` (the grading children's limits and the orphans they leave), ``supervisor`` (grade in
a child process), ``lane`` (``grade-batch``'s long-lived graders), ``batch`` (``grade-batch``) and
``gradebook`` (the written answers' points from nbgrader's gradebook).

May import the framework, the sandbox, the assignment and the checks; never reports, the
self-check or the command line (``tests/autograder/test_layers.py``).
"""
