"""Do the checks' inputs follow the key: the published ones for the self-check, others no student can reproduce for
the grader, the same every time under one key?"""
from __future__ import annotations

import zlib

import pytest
import torch

from autograder.checks.models import VAE_SIGMOID
from autograder.checks.train_epoch import WEIGHT_UPDATES
from autograder.framework.seeds import PUBLISHED, check_seed, current_key, inputs_key, keyed


def test_the_published_key_leaves_every_seed_as_written():
    assert current_key() == PUBLISHED
    assert keyed(105) == 105
    assert check_seed("vae.shapes") == zlib.crc32(b"vae.shapes")
    assert VAE_SIGMOID.value_seeds == VAE_SIGMOID.seeds
    assert WEIGHT_UPDATES.keyed() == WEIGHT_UPDATES


def test_a_key_gives_other_seeds_the_same_each_time_and_the_block_restores_the_published_ones():
    published_x = VAE_SIGMOID.x
    with inputs_key(1234):
        first = (keyed(105), check_seed("vae.shapes"), VAE_SIGMOID.value_seeds, WEIGHT_UPDATES.keyed().seed)
        x = VAE_SIGMOID.x
        assert first == (keyed(105), check_seed("vae.shapes"), VAE_SIGMOID.value_seeds, WEIGHT_UPDATES.keyed().seed)
    assert first[0] != 105 and first[1] != zlib.crc32(b"vae.shapes") and first[2] != VAE_SIGMOID.seeds
    assert first[3] != WEIGHT_UPDATES.seed and x.shape == published_x.shape and not torch.equal(x, published_x)
    with inputs_key(1235):
        assert keyed(105) != first[0]
    with pytest.raises(RuntimeError), inputs_key(1234):
        raise RuntimeError("a check that failed")
    assert current_key() == PUBLISHED and torch.equal(VAE_SIGMOID.x, published_x)
