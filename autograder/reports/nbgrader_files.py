"""nbgrader preprocessors that leave only the student's files in what reaches her: the release and her autograded folder.

nbgrader copies every file beside the source notebook (``solutions/<assignment>/``: an instructor's notes,
a run's figures or checkpoints) into the release (``generate_assignment``) and into each student's autograded
folder (``autograde``), and ``generate_feedback`` copies that folder's files into her feedback.
``CourseDirectory.ignore`` cannot say "only these": it is a deny-list, and the exchange and autograde's copy of
her own submission read it too. So ``ReleaseOnlyDeclaredFiles`` keeps in the release only the notebooks and the
files the instructor declared, and ``KeepOnlyStudentFiles`` removes from the autograded folder whatever did not
come from her submission, so only her files (and the graded notebooks) ever reach her.
"""
from __future__ import annotations

import os
from pathlib import Path

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List, Unicode


def relative_files(folder: Path) -> set[Path]:
    """Every file and link under ``folder`` (links not followed), relative to it; none if it does not exist."""
    found = set()
    for directory, folders, files in os.walk(folder):
        names = files + [name for name in folders if os.path.islink(os.path.join(directory, name))]
        found.update(Path(directory, name).relative_to(folder) for name in names)
    return found


def keep_only(folder: Path, kept: set[Path]) -> list[Path]:
    """Remove from ``folder`` every file or link not in ``kept`` (relative paths), then the folders left empty;
    what was removed."""
    removed = sorted(relative_files(folder) - kept)
    for relative in removed:
        (folder / relative).unlink()
    for directory, _, _ in sorted(os.walk(folder), reverse=True):  # deepest first
        if Path(directory) != folder and not os.listdir(directory):
            os.rmdir(directory)
    return removed


class KeepOnlyStudentFiles(NbGraderPreprocessor):
    """Remove from the autograded folder every file that is not in the submission or that came from the source.

    A file of the submission that the source folder also holds was replaced by nbgrader with the source's copy,
    so it goes too. Needs the converter's course directory: the preprocessor's parent is the converter's exporter.
    """

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        coursedir = self.parent.parent.coursedir
        student, assignment = resources["nbgrader"]["student"], resources["nbgrader"]["assignment"]
        autograded = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
        submitted = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
        notebooks = {path for path in relative_files(submitted) if path.suffix == ".ipynb"}
        for removed in keep_only(autograded, (relative_files(submitted) - relative_files(source)) | notebooks):
            self.log.info("Not the student's, removed from her autograded folder: %s", removed)
        return nb, resources


class ReleaseOnlyDeclaredFiles(NbGraderPreprocessor):
    """Remove from the release every file but the notebooks and those that ``files`` declares.

    Runs in ``generate_assignment`` (and Formgrader's Generate), after nbgrader copied the source folder into the
    release: an allow-list, so a file an instructor or a solution run leaves beside the source notebook never
    reaches the students, whatever its name.
    """

    files = List(Unicode(), help="Glob patterns, relative to the assignment's source folder, of the files besides "
                                 "the notebooks that the students need (data files)").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        coursedir = self.parent.parent.coursedir
        assignment = resources["nbgrader"]["assignment"]
        release = Path(coursedir.format_path(coursedir.release_directory, ".", assignment))
        declared = {path for pattern in self.files for path in release.glob(pattern) if path.is_file()}
        kept = {path.relative_to(release) for path in declared} | {
            path for path in relative_files(release) if path.suffix == ".ipynb"}
        for removed in keep_only(release, kept):
            self.log.info("Not declared for the students, removed from the release: %s", removed)
        return nb, resources
