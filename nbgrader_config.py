"""nbgrader configuration for this repository.

The repository root is the nbgrader course directory: the source notebooks (with solutions)
live in ``solutions/``, and ``nbgrader generate_assignment`` writes the student notebooks to
``course/``. Submissions, autograded and feedback folders are nbgrader's defaults.
"""

c = get_config()  # noqa: F821  (injected by nbgrader when it reads this file)

c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
