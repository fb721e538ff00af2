"""Get a dataset ready under a data root: the real one where possible, else the stand-in.

    python datasets/prepare.py {cifar10,mnist,ffhq} [--root data] [--stand-in]

Prints the root to pass to the loaders (``VAE_COURSE_DATA`` is the notebooks' ``--root``).
Needs the repository root on ``PYTHONPATH``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from vae_course.data.sources import cifar10_root, ffhq_root, mnist_root, standin_root
from vae_course.settings import Settings

ROOTS = {"cifar10": cifar10_root, "mnist": mnist_root, "ffhq": ffhq_root}


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=sorted(ROOTS))
    parser.add_argument("--root", type=Path, default=Path("data"), help="data directory (default: data)")
    parser.add_argument("--stand-in", action="store_true", help="write the offline stand-in, download nothing")
    args = parser.parse_args(argv)
    if args.stand_in:
        root = standin_root(args.dataset, args.root)
    else:
        root = ROOTS[args.dataset](Settings(offline=False, data_dir=args.root))
    print(root)
    return root


if __name__ == "__main__":
    main()
