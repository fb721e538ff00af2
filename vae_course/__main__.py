"""Command line: ``python -m vae_course {main,build-course,train,demo}``."""
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


def grade_shipped_notebooks(out: Path) -> bool:
    """Grade every reference solution (it must get full marks) and its student notebook (0, with a report)."""
    import json

    from autograder.grading import grade_submission
    from autograder.report import feedback_markdown, gradescope_results, summary_table
    from vae_course.course_build import COURSE

    full_marks = True
    for path in sorted(SOLUTIONS.glob("*/*.ipynb")):
        for kind, notebook in (("reference", path), ("student", COURSE / path.relative_to(SOLUTIONS))):
            report = grade_submission(notebook)
            folder = out / "grading" / path.parent.name / kind
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "results.json").write_text(json.dumps(gradescope_results(report), indent=2) + "\n")
            (folder / "feedback.md").write_text(feedback_markdown(report))
            print(f"\n{kind} {notebook.relative_to(SOLUTIONS.parent)}: {report.score:g}/{report.max_score:g} "
                  f"(results.json and feedback.md in {folder})")
            if kind == "reference":
                print(summary_table(report))
                full_marks &= report.score == report.max_score
    return full_marks


def _add_train_arguments(parser: argparse.ArgumentParser) -> None:
    from vae_course.trainer import DATASETS, REFERENCE_NOTEBOOK

    parser.add_argument("dataset", choices=DATASETS)
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: $VAE_COURSE_DATA or data/)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--hidden-dim", type=int, default=None,
                        help="model width (default: 400 for MNIST; ConvVAE: 400 on CUDA, 32 elsewhere)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    parser.add_argument("--out", type=Path, default=None,
                        help="run folder (default: runs/DATASET); an existing run there is resumed")
    parser.add_argument("--max-steps", type=int, default=None, help="at most this many batches per epoch")
    parser.add_argument("--notebook", type=Path, default=REFERENCE_NOTEBOOK,
                        help="train the definitions of this (trusted) notebook")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=None, help="per process (default: 128 MNIST, 32 others)")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vae_course", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    main_job = commands.add_parser("main", help="grade the shipped notebooks, run the reference notebooks offline (fast mode), then the demo")
    main_job.add_argument("--out", type=Path, default=Path("out"))
    commands.add_parser("build-course", help="regenerate course/ from solutions/ with nbgrader")
    train_job = commands.add_parser("train", help="train a notebook's VAE with checkpoints and figures "
                                    "(several processes: torchrun --nproc_per_node=N -m vae_course train ...)")
    _add_train_arguments(train_job)
    demo_job = commands.add_parser("demo", help="train the MNIST VAE for about a minute offline and save figures")
    demo_job.add_argument("--out", type=Path, default=Path("out/demo"))
    demo_job.add_argument("--data", type=Path, default=None)
    args = parser.parse_args(argv)

    if args.command == "build-course":
        for path in generate_student_notebooks():
            print(f"wrote {path}")
    elif args.command == "main":
        from vae_course.demo import run_demo

        full_marks = grade_shipped_notebooks(args.out)
        run_reference_notebooks(args.out)
        run_demo(args.out / "demo", data_dir=args.out / "data")
        if not full_marks:
            print("the reference solution did not get full marks")
            return 1
    elif args.command == "train":
        from vae_course.trainer import TrainConfig, train

        train(TrainConfig(
            dataset=args.dataset, out=args.out or Path("runs") / args.dataset, data_dir=args.data,
            epochs=args.epochs, hidden_dim=args.hidden_dim, device=args.device, max_steps=args.max_steps,
            notebook=args.notebook, seed=args.seed, batch_size=args.batch_size, lr=args.lr, workers=args.workers,
        ))
    elif args.command == "demo":
        from vae_course.demo import run_demo

        run_demo(args.out, data_dir=args.data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
