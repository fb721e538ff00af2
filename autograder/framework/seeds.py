"""One seed per check, set alike in the grader and in the worker, so that grading repeats exactly.

The grader seeds its own generators before each check (a check draws its inputs there) and the
worker seeds its generators with the same number before each probe. No sandbox and no POSIX-only
module: the self-check seeds the student's own kernel with it, on any OS.

Every seed a check draws its inputs from goes through ``keyed``. Under the published key (the
self-check's, and the one the recorded values of ``autograder.assignment.recorded`` were computed
with) a seed is itself, so anyone can reproduce a public check. The grader grades under a key of its
own (``inputs_key``, the key is in ``autograder/hidden/``): the public checks then ask about inputs no
student can look up, and their expected values are computed live by the grader's specification, so a
submission that returns the recorded answers earns nothing.
"""
from __future__ import annotations

import contextlib
import hashlib
import random
import zlib
from collections.abc import Iterator

import numpy
import torch

PUBLISHED = 0  # the key of the inputs anyone can reproduce: the self-check's and the recorded values'
_key = PUBLISHED


def keyed(seed: int) -> int:
    """``seed`` under the current key: itself under the published key, otherwise a seed only the key tells."""
    if _key == PUBLISHED:
        return seed
    return int.from_bytes(hashlib.sha256(f"{_key}:{seed}".encode()).digest()[:4], "little")


def current_key() -> int:
    """The key the checks draw their inputs under now."""
    return _key


@contextlib.contextmanager
def inputs_key(key: int) -> Iterator[None]:
    """Draw every check's inputs under ``key`` inside the block (the grader's own key, or ``PUBLISHED``)."""
    global _key
    previous, _key = _key, key
    try:
        yield
    finally:
        _key = previous


def check_seed(check_id: str) -> int:
    """A fixed seed per check (under the current key), so grading is deterministic and checks are independent."""
    return keyed(zlib.crc32(check_id.encode()))


def seed_all(seed: int) -> None:
    """Seed torch, numpy and random alike wherever a check's code runs, so grading repeats exactly."""
    torch.manual_seed(seed)
    random.seed(seed)
    numpy.random.seed(seed % 2**32)
