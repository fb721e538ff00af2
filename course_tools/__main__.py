"""Command line: ``python -m course_tools {main,build-course}`` (``bash run.sh main`` runs ``main``)."""
from __future__ import annotations

import argparse
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_tools", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    main_job = commands.add_parser("main", help="grade the shipped notebooks, run the reference notebooks offline "
                                   "(fast mode), then the demo")
    main_job.add_argument("--out", type=Path, default=Path("out"))
    commands.add_parser("build-course", help="regenerate course/ from solutions/ with nbgrader")
    args = parser.parse_args(argv)

    if args.command == "build-course":
        from course_tools.course_build import generate_student_notebooks

        for path in generate_student_notebooks():
            print(f"wrote {path}")
    elif args.command == "main":
        from course_tools.grade_shipped import grade_shipped_notebooks
        from course_tools.run_notebook import run_reference_notebooks
        from vae_course.train.demo import run_demo

        full_marks = grade_shipped_notebooks(args.out)
        run_reference_notebooks(args.out)
        run_demo(args.out / "demo", data_dir=args.out / "data")
        if not full_marks:
            print("the reference solution did not get full marks")
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
