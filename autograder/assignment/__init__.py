"""The VAE assignment and its builds: the parts and points, the checks in their order, fixtures, bundles.

``parts`` (the parts, their points and the written answers, read from the solution notebook or
from the generated ``index``), ``build_index`` (``python -m autograder build-index``),
``graded_checks`` (``load_checks``: the registered checks of the declared parts, in the notebook's
order), ``fixtures`` (the small datasets the data checks build), ``recorded`` (values the hidden
specification computed for the public checks, in ``recorded/``) and ``bundles`` (the student zip
and the Gradescope zip).

May import the framework and the sandbox's wire format (``sandbox.protocol``); never the checks
packages by name, running, reports or the command line (``tests/autograder/test_layers.py``).
"""
