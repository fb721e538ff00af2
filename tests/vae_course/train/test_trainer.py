"""Does the reference trainer train, checkpoint, resume and draw, on offline stand-in data?"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest
import torch

from vae_course.__main__ import main
from vae_course.checkpoints import CHECKPOINT_NAME
from vae_course.train.config import REFERENCE_NOTEBOOK, TrainConfig, add_arguments, config_from_arguments
from vae_course.train.trainer import epoch_seed, train

FIGURES = {"training_images.png", "reconstructions.png", "samples.png", "interpolation.png", "loss_curves.png"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(autouse=True)
def _offline(monkeypatch, data_dir) -> None:
    monkeypatch.setenv("VAE_COURSE_OFFLINE", "1")
    monkeypatch.setenv("VAE_COURSE_DATA", str(data_dir))


def _mnist(out: Path, epochs: int = 1, hidden_dim: int = 16) -> TrainConfig:
    return TrainConfig(dataset="mnist", out=out, epochs=epochs, hidden_dim=hidden_dim, max_steps=2, device="cpu",
                       batch_size=16)


def test_mnist_run_writes_checkpoint_history_and_every_figure(tmp_path):
    """Does one short run leave a checkpoint, a history and all six MNIST figures?"""
    history = train(_mnist(tmp_path))
    assert len(history["train"]) == len(history["test"]) == 1
    assert 0 < history["test"][0] < 784 * 2  # nats/image: a sum over 784 pixels, not a mean
    state = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)
    assert state["epoch"] == 1 and set(state) >= {"model", "optimizer", "history", "config"}
    written = {p.name for p in (tmp_path / "figures").glob("*.png")}
    assert written == FIGURES | {"latent_traversal.png"}


def test_resuming_gives_the_weights_of_an_unbroken_run(tmp_path):
    """Is 1 epoch, stop, then resume to 2 the same as 2 epochs straight (same seed)?"""
    train(_mnist(tmp_path / "straight", epochs=2))
    train(_mnist(tmp_path / "resumed", epochs=1))
    history = train(_mnist(tmp_path / "resumed", epochs=2))
    assert len(history["train"]) == 2
    straight = torch.load(tmp_path / "straight" / CHECKPOINT_NAME, weights_only=True)
    resumed = torch.load(tmp_path / "resumed" / CHECKPOINT_NAME, weights_only=True)
    assert resumed["epoch"] == 2
    for name, weight in straight["model"].items():
        assert torch.equal(weight, resumed["model"][name]), name
    assert straight["history"]["test"] == resumed["history"]["test"]


def test_resume_refuses_a_checkpoint_of_other_settings(tmp_path):
    """Is a run folder written with another width refused rather than silently mixed?"""
    train(_mnist(tmp_path))
    with pytest.raises(ValueError, match="other settings"):
        train(_mnist(tmp_path, epochs=2, hidden_dim=24))


def test_seeds_differ_by_epoch_and_process():
    """Do epochs and processes draw different noise?"""
    seeds = {epoch_seed(0, epoch, rank) for epoch in range(1, 20) for rank in range(8)}
    assert len(seeds) == 19 * 8


@pytest.mark.parametrize("dataset", ["cifar10", "ffhq"])
def test_conv_datasets_train_one_step(tmp_path, dataset):
    """Do the ConvVAE datasets (32x32 CIFAR-10 stand-in, 128x128 FFHQ stand-in) train and draw?"""
    config = TrainConfig(dataset=dataset, out=tmp_path, epochs=1, hidden_dim=4, max_steps=1, device="cpu",
                         batch_size=4)
    history = train(config)
    assert len(history["test"]) == 1
    assert {p.name for p in (tmp_path / "figures").glob("*.png")} == FIGURES


def test_command_line_trains_a_given_notebook(tmp_path):
    """Does `train mnist --notebook PATH ...` use that notebook's definitions?"""
    notebook = tmp_path / "mine.ipynb"
    shutil.copy(REFERENCE_NOTEBOOK, notebook)
    out = tmp_path / "run"
    assert main(["train", "mnist", "--notebook", str(notebook), "--out", str(out), "--epochs", "1",
                 "--max-steps", "1", "--hidden-dim", "8", "--device", "cpu", "--seed", "3"]) == 0
    config = torch.load(out / CHECKPOINT_NAME, weights_only=True)["config"]
    assert config["notebook"] == str(notebook) and config["seed"] == 3 and config["hidden_dim"] == 8


def test_command_line_defaults_are_the_configs():
    """Does `train DATASET` with no options give TrainConfig's own defaults (one definition of them)?"""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert config_from_arguments(parser.parse_args(["cifar10"])) == TrainConfig(dataset="cifar10")
    given = config_from_arguments(parser.parse_args(["ffhq", "--data", "d", "--hidden-dim", "8", "--lr", "0.5"]))
    assert (given.data_dir, given.hidden_dim, given.lr) == (Path("d"), 8, 0.5)


def test_unknown_dataset_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown dataset"):
        train(TrainConfig(dataset="imagenet", out=tmp_path))


def test_face_loaders_use_workers_and_pinned_memory_on_cuda_only():
    """Does a CUDA device get worker processes and pinned memory, and a CPU plain loading?"""
    from vae_course.devices import loader_options

    options = loader_options(torch.device("cuda"))
    assert options["pin_memory"] and options["num_workers"] >= 1
    assert loader_options(torch.device("cpu")) == {}
