"""Command line: ``python -m vae_course {train,demo}``.

Repository tooling (``main``, ``build-course``) is ``python -m course_tools``.
"""
from __future__ import annotations

import argparse
from pathlib import Path


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
    train_job = commands.add_parser("train", help="train a notebook's VAE with checkpoints and figures "
                                    "(several processes: torchrun --nproc_per_node=N -m vae_course train ...)")
    _add_train_arguments(train_job)
    demo_job = commands.add_parser("demo", help="train the MNIST VAE for about a minute offline and save figures")
    demo_job.add_argument("--out", type=Path, default=Path("out/demo"))
    demo_job.add_argument("--data", type=Path, default=None)
    args = parser.parse_args(argv)

    if args.command == "train":
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
