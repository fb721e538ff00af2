"""One seed per check, set alike in the grader and in the worker, so that grading repeats exactly.

The grader seeds its own generators before each check (a check draws its inputs there) and the
worker seeds its generators with the same number before each probe. No sandbox and no POSIX-only
module: the self-check seeds the student's own kernel with it, on any OS.
"""
from __future__ import annotations

import random
import zlib

import numpy
import torch


def check_seed(check_id: str) -> int:
    """A fixed seed per check, so grading is deterministic and checks are independent."""
    return zlib.crc32(check_id.encode())


def seed_all(seed: int) -> None:
    """Seed torch, numpy and random alike wherever a check's code runs, so grading repeats exactly."""
    torch.manual_seed(seed)
    random.seed(seed)
    numpy.random.seed(seed % 2**32)
