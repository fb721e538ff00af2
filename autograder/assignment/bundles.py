"""Release bundles: what students get, and the Gradescope autograder.

The student bundle holds the student notebooks, the public checks, the data helpers and the
environment, and nothing from ``solutions/``, ``tests/`` or ``autograder/hidden/``; its README is
the students' own (``docs/student-bundle/README.md``), which offers only what works without them. The Gradescope bundle
holds the whole grader with ``setup.sh`` and ``run_autograder`` at the top, as Gradescope wants.
Both take only files git tracks, and are reproducible: sorted entries with a fixed timestamp.
"""
from __future__ import annotations

import shlex
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXED_TIME = (2026, 1, 1, 0, 0, 0)
STUDENT_FILES = ["environment.yml", "pyproject.toml", "requirements.lock", "run.py", "run.sh"]
STUDENT_README = REPO_ROOT / "docs" / "student-bundle" / "README.md"
STUDENT_TREES = ["course", "vae_course", "datasets", "autograder"]
NEVER_FOR_STUDENTS = ["solutions", "autograder/hidden", "autograder/gradescope", "tests", "benchmarks",
                      "nbgrader_config.py"]
GRADER_FILES = ["pyproject.toml", "requirements.lock"]
GRADER_TREES = ["vae_course", "autograder"]


def _tracked_files() -> list[Path]:
    """The files git tracks: never build outputs, data, figures or caches."""
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, check=True, capture_output=True).stdout
    return [REPO_ROOT / name for name in listing.decode().split("\0") if name]


def _files(trees: Iterable[str], files: Iterable[str], excluded: Iterable[str] = ()) -> list[Path]:
    wanted = [REPO_ROOT / t for t in trees]
    excluded_paths = [REPO_ROOT / e for e in excluded]
    chosen = [REPO_ROOT / f for f in files]
    chosen += [p for p in _tracked_files() if any(w in p.parents for w in wanted)]
    return sorted(p for p in chosen if p.is_file() and not any(p == e or e in p.parents for e in excluded_paths))


def _write_zip(path: Path, entries: dict[str, Path]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.external_attr = (0o755 if entries[name].stat().st_mode & 0o111 else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name].read_bytes())
    return path


def build_student_bundle(path: Path) -> Path:
    """The zip students download: notebooks, public checks, data helpers, environment."""
    files = _files(STUDENT_TREES, STUDENT_FILES, excluded=NEVER_FOR_STUDENTS)
    entries = {f"vae-course/{p.relative_to(REPO_ROOT).as_posix()}": p for p in files}
    entries["vae-course/README.md"] = STUDENT_README
    return _write_zip(path, entries)


def build_gradescope_bundle(path: Path, torch_index_url: str | None = None) -> Path:
    """The Gradescope autograder zip: setup.sh and run_autograder at the top, the grader under source/.

    With ``torch_index_url`` (PyTorch's CPU wheel index), ``gradescope.env`` tells setup.sh to
    install CPU-only torch from it, so the image holds no CUDA libraries.
    """
    entries = {p.relative_to(REPO_ROOT).as_posix(): p for p in _files(GRADER_TREES, GRADER_FILES)}
    entries = {name: p for name, p in entries.items() if not name.startswith("autograder/gradescope/")}
    scripts = REPO_ROOT / "autograder" / "gradescope"
    entries["setup.sh"] = scripts / "setup.sh"
    entries["run_autograder"] = scripts / "run_autograder"
    with tempfile.TemporaryDirectory() as folder:
        if torch_index_url:
            settings = Path(folder) / "gradescope.env"
            settings.write_text(f"TORCH_INDEX_URL={shlex.quote(torch_index_url)}\n")
            entries["gradescope.env"] = settings
        return _write_zip(path, entries)
