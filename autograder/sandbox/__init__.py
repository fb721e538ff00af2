"""Where student code runs, and everything that starts, confines or talks to that process.

Nothing outside this package runs student code. ``process`` (the grader's side: start the
worker with limits, send requests, restart it) never runs it either; ``worker`` (and the probes
and loop harness it calls) and ``grading_kernel`` (nbgrader's kernel) do, after ``confine``
(capabilities, Landlock, seccomp through libseccomp, audit hooks) has confined them. ``protocol`` is the only language the two sides share.
"""
