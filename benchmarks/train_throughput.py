"""How close does ConvVAE training come to this machine's fp32 matmul speed?

Measures, in one run and side by side, training images/s of the reference ConvVAE (one
full step: forward, BCE + KL, backward, Adam) at the seed size (hidden 400, 52.8 M
parameters) and the CPU default (hidden 32), converts them to achieved FLOP/s (3x the
forward pass's conv/linear FLOPs, counted by ``torch.utils.flop_counter``) and divides by
the fp32 matmul FLOP/s measured in the same run (best step against best matmul). Variants: channels-last, torch.compile,
thread count, batch size, and bf16 autocast (reported, but not an fp32 figure).

    PYTHONPATH=. python benchmarks/train_throughput.py [--quick]
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, replace

import torch
from torch.utils.flop_counter import FlopCounterMode
from tqdm.auto import tqdm

from vae_course.notebook_code import load_definitions
from vae_course.train.compute_format import ComputeFormat
from vae_course.train.config import REFERENCE_NOTEBOOK
from vae_course.training import batch_loss


@dataclass(frozen=True)
class Variant:
    """One way of running the training step."""

    hidden: int
    batch: int = 32
    channels_last: bool = False
    compiled: bool = False
    threads: int | None = None  # None: torch's default (one per core)
    bf16: bool = False

    def label(self) -> str:
        parts = [f"hidden {self.hidden}", f"batch {self.batch}"]
        parts += ["channels_last"] * self.channels_last + ["compile"] * self.compiled + ["bf16 autocast"] * self.bf16
        parts += [f"{self.threads} thread(s)"] * (self.threads is not None)
        return ", ".join(parts)


def matmul_flops(seconds: float, size: int = 2048) -> float:
    """Sustained fp32 FLOP/s of a square matmul, the best of repeated timings."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)
    best, end = float("inf"), time.perf_counter() + seconds
    while time.perf_counter() < end:
        began = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - began)
    return 2 * size**3 / best


def training_flops_per_image(definitions: dict, hidden: int) -> float:
    """Forward+backward FLOPs per image: 3x the forward pass's (backward costs about twice forward)."""
    model = definitions["ConvVAE"](hidden_dim=hidden)
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.rand(1, 3, 32, 32))
    return 3 * counter.get_total_flops()


def images_per_second(definitions: dict, variant: Variant, steps: int) -> tuple[float, float]:
    """Training images/s of one variant after warm-up: (best step, median step).

    Each step is timed on its own and the best kept, as for the matmul, so that other work
    on a shared machine (a neighbour's job, the hypervisor) slows the figures as little as
    possible; the median says how steady they were.
    """
    default_threads = torch.get_num_threads()
    if variant.threads:
        torch.set_num_threads(variant.threads)
    try:
        torch.manual_seed(0)
        model = definitions["ConvVAE"](hidden_dim=variant.hidden)
        layout = torch.channels_last if variant.channels_last else torch.contiguous_format
        model = model.to(memory_format=layout)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        x = torch.rand(variant.batch, 3, 32, 32).contiguous(memory_format=layout)
        compute = ComputeFormat(torch.bfloat16 if variant.bf16 else None, variant.channels_last)
        step_model = compute.wrap(torch.compile(model) if variant.compiled else model)

        def step() -> float:
            began = time.perf_counter()
            loss = batch_loss(step_model, x, definitions["vae_loss"])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            return time.perf_counter() - began

        for _ in range(3 if variant.compiled else 2):
            step()
        times = sorted(step() for _ in range(steps))
        return variant.batch / times[0], variant.batch / times[len(times) // 2]
    finally:
        torch.set_num_threads(default_threads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer variants and steps (about a minute; the full run takes about 5)")
    args = parser.parse_args()
    seconds, steps = (3.0, 2) if args.quick else (6.0, 3)
    definitions = load_definitions(REFERENCE_NOTEBOOK)

    seed = Variant(hidden=400)
    variants = [seed, replace(seed, channels_last=True)]
    if not args.quick:
        variants += [replace(seed, batch=64), replace(seed, compiled=True), replace(seed, threads=1),
                     replace(seed, bf16=True)]
    small = Variant(hidden=32)
    variants += [small, replace(small, channels_last=True), replace(small, batch=128, channels_last=True)]
    if not args.quick:
        variants += [replace(small, compiled=True, channels_last=True), replace(small, threads=1)]

    flops = {hidden: training_flops_per_image(definitions, hidden) for hidden in {v.hidden for v in variants}}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for hidden, value in sorted(flops.items()):
        print(f"ConvVAE(hidden_dim={hidden}): {value / 1e9:.3f} GFLOP per training image (3x forward)")
    # The matmul is measured before every variant and the best figure of the run is the
    # reference: on a shared machine that is the closest to what the cores can do.
    peak = matmul_flops(seconds)
    rows = []
    for variant in tqdm(variants, desc="variants"):
        peak = max(peak, matmul_flops(seconds / 4))
        try:
            rows.append((variant, *images_per_second(definitions, variant, steps)))
        except Exception as error:  # torch.compile needs a working C++ toolchain; report, go on
            print(f"{variant.label()}: failed ({type(error).__name__}: {str(error).splitlines()[0][:100]})")
    peak = max(peak, matmul_flops(seconds))
    print(f"fp32 matmul (2048 x 2048, best over the run): {peak / 1e9:.1f} GFLOP/s")
    print(f"\n{'variant':<52}{'images/s':>9}{'median':>8}{'GFLOP/s':>9}{'of matmul':>10}{'vs first':>9}")
    baseline: dict[int, float] = {}
    for variant, best, median in rows:
        baseline.setdefault(variant.hidden, best)
        achieved = best * flops[variant.hidden]
        note = "  (bf16: not an fp32 figure)" if variant.bf16 else ""
        print(f"{variant.label():<52}{best:>9.1f}{median:>8.1f}{achieved / 1e9:>9.1f}{achieved / peak:>10.0%}"
              f"{best / baseline[variant.hidden]:>8.2f}x{note}")


if __name__ == "__main__":
    main()
