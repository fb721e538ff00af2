"""Everything that shows a grading: renderers and nbgrader's preprocessors.

``render`` (how a part's results read, for every report and the self-check), ``report``
(Gradescope's ``results.json``, Markdown feedback, the summary table), ``nbgrader_grades`` (the
preprocessor that grades outside the kernel and writes the scores into nbgrader's cells),
``nbgrader_files`` and ``nbgrader_inert`` (nbgrader's submitted files and the inert feedback
notebook, made by ``inert``), and ``nbgrader_templates/`` (the feedback page).

May import everything below it (framework, sandbox, assignment, running); never the self-check
or the command line (``tests/autograder/test_layers.py``).
"""
