"""Command line: ``python -m vae_course {train,demo}``.

Repository tooling (``main``, ``build-course``) is ``python -m course_tools``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from vae_course.train.config import add_arguments, config_from_arguments


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vae_course", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    train_job = commands.add_parser("train", help="train a notebook's VAE with checkpoints and figures "
                                    "(several processes: torchrun --nproc_per_node=N -m vae_course train ...)")
    add_arguments(train_job)
    demo_job = commands.add_parser("demo", help="train the MNIST VAE for about a minute offline and save figures")
    demo_job.add_argument("--out", type=Path, default=Path("out/demo"))
    demo_job.add_argument("--data", type=Path, default=None)
    args = parser.parse_args(argv)

    if args.command == "train":
        from vae_course.train.trainer import train

        train(config_from_arguments(args))
    elif args.command == "demo":
        from vae_course.train.demo import run_demo

        run_demo(args.out, data_dir=args.data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
