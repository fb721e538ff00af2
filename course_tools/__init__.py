"""Repository tooling: regenerate ``course/`` from ``solutions/`` and check the whole course (``main``).

Apart from ``vae_course`` (the helpers students import) and never in the student bundle: it
needs ``solutions/`` and the whole grader, which students do not get.
"""
