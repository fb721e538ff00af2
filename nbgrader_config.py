"""nbgrader configuration for this repository.

The repository root is the nbgrader course directory: the source notebooks (with solutions)
live in ``solutions/``. nbgrader's release directory is ``build/release`` (ignored by git), so
``generate_assignment --force`` and Formgrader's Generate button never touch ``course/``, which
only ``python -m course_tools build-course`` writes. Submissions, autograded and feedback folders
are nbgrader's defaults.

``nbgrader autograde`` executes no student code by default: it keeps the outputs the student
submitted (the figures and tables of her own run, which the written answers are graded against),
and ``GradeOutsideKernel`` replaces the autograded cells' outputs with the scores the autograder
computes outside her kernel, in its sandbox. nbgrader copies everything beside the source notebook into
the release and her autograded folder: ``ReleaseOnlyDeclaredFiles`` keeps in the release only the notebooks
and the files declared in ``c.ReleaseOnlyDeclaredFiles.files`` (none: the data are fetched, not released),
``KeepOnlyStudentFiles`` removes from her autograded folder every file that is not hers, and
``MakeInert``, last in autograde and in generate_feedback, sanitizes her Markdown and outputs
(``autograder.reports.inert``), so nothing of hers runs when Formgrader or a feedback page shows them.

``VAE_COURSE_AUTOGRADE_EXECUTE=1`` in the environment of ``nbgrader autograde`` (or of the Jupyter
server whose Formgrader autogrades) adds a smoke run: each submission is executed again, in fast
mode (nbgrader sets NBGRADER_EXECUTION, which ``vae_course.settings`` reads), by ``ExecuteWithinLimits``
in a confined kernel (``autograder.sandbox.grading_kernel``: an empty folder of its own, an allow-list
environment, memory, CPU, file-size, write-total and whole-notebook time limits; set them as
``c.ConfinedKernelManager.<limit>``); her submitted outputs are then replaced by that run's. The grading
outside the kernel starts first (``StartGradingOutsideKernel``) and runs beside it.

``nbgrader validate`` and the Validate button run nbgrader's own ``Execute`` in the student's ordinary
kernel, in fast mode: the configuration above is Autograde's alone.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.converters import GenerateAssignment  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, GetGrades, IgnorePattern, LimitOutput,
    OverwriteCells, OverwriteKernelspec, SaveAutoGrades)

from autograder.reports.nbgrader_files import KeepOnlyStudentFiles, ReleaseOnlyDeclaredFiles  # noqa: E402
from autograder.reports.nbgrader_grades import GradeOutsideKernel, StartGradingOutsideKernel  # noqa: E402
from autograder.reports.nbgrader_inert import MakeInert  # noqa: E402
from autograder.sandbox.grading_kernel import ExecuteWithinLimits  # noqa: E402

c = get_config()  # noqa: F821  (injected by nbgrader when it reads this file)

c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "build/release"  # never course/: Generate and --force wipe this folder
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "data"]  # no datasets in feedback
# The release holds the notebooks and only the files declared here (globs beside the source notebook):
c.GenerateAssignment.preprocessors = [*GenerateAssignment.class_traits()["preprocessors"].default(),
                                      ReleaseOnlyDeclaredFiles]
c.ReleaseOnlyDeclaredFiles.files = []

EXECUTE = os.environ.get("VAE_COURSE_AUTOGRADE_EXECUTE", "").strip().lower() in {"1", "true", "yes", "on"}
# nbgrader's sanitizing steps, without ClearOutput unless the notebook is executed again: her outputs are graded.
c.Autograde.sanitize_preprocessors = [
    *([ClearOutput] if EXECUTE else []), DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata]
c.Autograde.autograde_preprocessors = [
    *([StartGradingOutsideKernel, ExecuteWithinLimits] if EXECUTE else []), GradeOutsideKernel,
    IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    KeepOnlyStudentFiles, MakeInert,  # MakeInert last: what Formgrader renders
]

# Feedback: nbgrader's page, whose summary names each part instead of "Test cell": the template in
# autograder/reports/nbgrader_templates/ extends nbgrader's feedback/index.html.j2, found through
# extra_template_paths beside the Bootstrap CSS that nbgrader puts there. Scoped to
# GenerateFeedback, so formgrader's own pages keep nbgrader's templates.
import autograder.reports  # noqa: E402
import nbgrader  # noqa: E402

_formgrader = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader")
c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, MakeInert]  # nbgrader's two, then inert
c.GenerateFeedback.HTMLExporter.template_name = "feedback_by_part"
c.GenerateFeedback.HTMLExporter.extra_template_basedirs = [
    os.path.join(os.path.dirname(autograder.reports.__file__), "nbgrader_templates")]
c.GenerateFeedback.HTMLExporter.extra_template_paths = [
    os.path.join(_formgrader, "templates"),
    os.path.join(_formgrader, "static", "node_modules", "bootstrap", "dist", "css")]
# MathJax from the Jupyter server, not a CDN, on Formgrader's submission pages and the feedback pages:
# autograder/reports/nbgrader_templates/base/mathjax.html.j2 shadows nbconvert's macro (GenerateFeedback has the folder
# above). Formgrader's exporter reads HTMLExporter's settings, which replace nbgrader's own base directory: kept.
c.HTMLExporter.extra_template_basedirs = [*c.GenerateFeedback.HTMLExporter.extra_template_basedirs,
                                          os.path.join(_formgrader, "templates")]

# ---------------------------------------------------------------------------------------------------------------------
# The exchange: release_assignment, fetch_assignment, submit, collect, release_feedback, fetch_feedback.
# Set up for one machine: the instructor and the students (each an account of that machine) share the folder
# build/exchange beside this file, which release_assignment creates (writable by every account, as nbgrader
# makes it). Students give the same course id and folder on their command line (README, "The exchange").
# On JupyterHub, or any server where each student has a server of her own: set Exchange.root to a folder that
# every user's server mounts and may write, made once by an administrator (e.g. /srv/nbgrader/exchange,
# `chmod ugo+rwx`, as nbgrader's "Using nbgrader with JupyterHub" says), and put these two settings in a
# nbgrader_config.py every user reads (e.g. /etc/jupyter/nbgrader_config.py); with several courses on one hub,
# add Exchange.path_includes_course = True, and nbgrader's JupyterHubAuthPlugin restricts each student to her own.
# ---------------------------------------------------------------------------------------------------------------------
c.CourseDirectory.course_id = "vae-course"
c.Exchange.root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "build", "exchange")
