"""The check framework: what a check is and how one is run, for any assignment.

``registry`` (``@check``, ``examples``, the registry the check packages fill), ``results`` (one check
run into a ``CheckResult``), ``errors`` (what can go wrong when a check asks the submission
something), ``expect`` (assertions with messages a student can act on), ``seeds`` (one seed per
check), ``text`` (every text that reaches a report made readable and short), ``model_roles`` and
``model_runs`` (the model checks' machinery: which parameter plays which described layer, the
values lent to them, the comparisons).

The lowest layer: it imports nothing else of ``autograder`` (``tests/autograder/test_layers.py``),
and no POSIX-only module, since the self-check runs it in the student's kernel on any OS.
"""
