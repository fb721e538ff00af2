"""How fast does the notebook's ``FFHQDataset`` feed a DataLoader, with 0 and 2 workers?

Decoding PNGs is the cost of the FFHQ part of the course; this measures images/s of the
reference notebook's ``FFHQDataset`` through a ``DataLoader`` (batch 32), on real FFHQ
thumbnails when under ``--data``, else on the offline stand-in tree (100 upscaled 128x128
LFW faces in FFHQ's layout). Workers are persistent and warmed up by a first pass, so the
figures are steady-state rates; worker start-up is reported apart.

    PYTHONPATH=. python benchmarks/ffhq_loading.py [--data DIR] [--seconds 5]
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from vae_course.data.sources import ffhq_root, is_real_ffhq
from vae_course.notebook_code import load_definitions
from vae_course.settings import course_settings
from vae_course.train.config import REFERENCE_NOTEBOOK


def images_per_second(loader: DataLoader, seconds: float) -> tuple[float, float]:
    """(seconds to the first batch, steady images/s over whole passes lasting ``seconds``)."""
    began = time.perf_counter()
    iterator = iter(loader)
    next(iterator)
    first = time.perf_counter() - began
    for _ in iterator:  # finish the warm-up pass
        pass
    images, began = 0, time.perf_counter()
    with tqdm(desc=f"num_workers={loader.num_workers}", unit="img", leave=False) as progress:
        while images == 0 or time.perf_counter() - began < seconds:
            for batch in loader:
                images += len(batch)
                progress.update(len(batch))
    return first, images / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=course_settings().data_dir)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    real = is_real_ffhq(args.data)
    settings = replace(course_settings(), data_dir=args.data, offline=True)
    dataset = load_definitions(REFERENCE_NOTEBOOK)["FFHQDataset"](ffhq_root(settings))
    print(f"{'real FFHQ' if real else 'offline stand-in (not FFHQ)'}: {len(dataset):,} PNGs, "
          f"each {tuple(dataset[0].shape)}")
    rates = {}
    for workers in (0, 2):
        loader = DataLoader(dataset, batch_size=32, shuffle=True, num_workers=workers,
                            persistent_workers=workers > 0)
        first, rates[workers] = images_per_second(loader, args.seconds)
        print(f"num_workers={workers}: {rates[workers]:,.0f} images/s (first batch after {first:.2f} s)")
    print(f"ratio 2 workers / 0 workers: {rates[2] / rates[0]:.2f}x")


if __name__ == "__main__":
    main()
