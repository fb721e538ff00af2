"""Command line: ``python -m vae_course {main,build-course,run-notebook}``."""
from __future__ import annotations

import argparse
from pathlib import Path

from vae_course.course_build import SOLUTIONS, generate_student_notebooks


def run_reference_notebooks(out: Path) -> None:
    """Execute every reference notebook in fast mode; figures go to ``out/<assignment>``."""
    from vae_course.run_notebook import execute_notebook

    for path in sorted(SOLUTIONS.glob("*/*.ipynb")):
        workdir = out / path.parent.name
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"running {path.relative_to(SOLUTIONS.parent)} in fast mode ...", flush=True)
        execute_notebook(path, workdir, data_dir=out / "data")
        figures = sorted(p.relative_to(out) for p in workdir.rglob("*.png"))
        print(f"  ok; figures: {', '.join(map(str, figures))}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vae_course", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    main_job = commands.add_parser("main", help="run the reference notebooks on offline data (fast mode)")
    main_job.add_argument("--out", type=Path, default=Path("out"))
    commands.add_parser("build-course", help="regenerate course/ from solutions/ with nbgrader")
    args = parser.parse_args(argv)

    if args.command == "build-course":
        for path in generate_student_notebooks():
            print(f"wrote {path}")
    elif args.command == "main":
        run_reference_notebooks(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
