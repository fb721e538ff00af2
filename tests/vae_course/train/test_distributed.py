"""Does ``torchrun`` training work: two CPU processes, Gloo, a DistributedSampler, rank 0 writing?"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from vae_course.checkpoints import CHECKPOINT_NAME
from vae_course.train.distributed import World, init_world, mean_over_world

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_torchrun_two_cpu_processes_train_and_resume(tmp_path):
    """Do two Gloo processes train MNIST, write one checkpoint and figures, and resume from it?"""
    env = {**os.environ, "VAE_COURSE_OFFLINE": "1", "VAE_COURSE_DATA": str(tmp_path / "data"),
           "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1"}
    out = tmp_path / "run"

    def run(epochs: int) -> str:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                   "-m", "vae_course", "train", "mnist", "--device", "cpu", "--max-steps", "2",
                   "--hidden-dim", "16", "--batch-size", "8", "--epochs", str(epochs), "--out", str(out)]
        done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    first = run(epochs=1)
    assert "x 2 process(es)" in first
    assert first.count("epoch 1: train") == 1  # only rank 0 reports
    assert torch.load(out / CHECKPOINT_NAME, weights_only=True)["epoch"] == 1
    assert (out / "figures" / "latent_traversal.png").is_file()
    assert not list(out.glob("*.partial"))

    second = run(epochs=2)
    assert "resuming" in second and "epoch 2: train" in second
    assert torch.load(out / CHECKPOINT_NAME, weights_only=True)["epoch"] == 2


def test_a_plain_process_is_a_world_of_one(monkeypatch):
    """Without torchrun's variables, is there one process, rank 0, and no process group?"""
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    world = init_world("cpu")
    assert world == World() and world.is_main and not world.distributed
    assert mean_over_world(3.5, world) == 3.5
