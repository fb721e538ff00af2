"""Does the notebook's epoch driver resume from its checkpoint instead of starting over?"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset

from autograder.tiny_vae import TinyVAE
from vae_course.fingerprint import code_fingerprint
from vae_course.training import EpochBatches, fit_resumable


NOTEBOOK_CELLS = '''
import torch
import torch.nn.functional as F

def vae_loss(recon_x, x, mu, logvar):
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return F.binary_cross_entropy(recon_x, x, reduction="sum") KL_SIGN kl

def train_epoch(model, loader, optimizer, device):
    model.train()
    total, count = 0.0, 0
    for (x,) in loader:
        x_hat, mu, logvar = model(x.to(device))
        loss = vae_loss(x_hat, x, mu, logvar)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total, count = total + loss.item(), count + len(x)
    return total / count
'''


def _cells(kl_sign: str) -> dict:
    """The two definition cells run as a notebook runs them: fresh functions in ``__main__``."""
    namespace = {"__name__": "__main__"}
    exec(compile(NOTEBOOK_CELLS.replace("KL_SIGN", kl_sign), "<cell>", "exec"), namespace)
    return namespace


def _counting_epoch(calls: list[int]):
    """The notebook's train_epoch, recording how many images each epoch it trains on."""
    cells = _cells("+")

    def train_epoch(model, loader, optimizer, device) -> float:
        batches = list(loader)
        calls.append(sum(len(x) for (x,) in batches))
        return cells["train_epoch"](model, batches, optimizer, device)
    return train_epoch


def test_rerunning_resumes_after_the_last_finished_epoch(tmp_path, capsys):
    torch.manual_seed(0)
    loader = DataLoader(TensorDataset(torch.rand(24, 1, 2, 2)), batch_size=8)
    checkpoint, calls, loss = tmp_path / "run.pt", [], _cells("+")["vae_loss"]
    first = fit_resumable(TinyVAE(2, (1, 2, 2)), _counting_epoch(calls), loader, loader, loss,
                          torch.device("cpu"), epochs=2, checkpoint=checkpoint)
    assert calls == [24, 24] and len(first["train"]) == 2
    model = TinyVAE(2, (1, 2, 2), seed=1)  # fresh weights: the checkpoint's must replace them
    again = fit_resumable(model, _counting_epoch(calls), loader, loader, loss, torch.device("cpu"),
                          epochs=3, checkpoint=checkpoint)
    assert calls == [24, 24, 24], "only the third epoch trains"
    assert again["train"][:2] == first["train"] and len(again["train"]) == 3
    assert "2 epoch(s) already trained" in capsys.readouterr().out
    other = TinyVAE(3, (1, 2, 2))  # another architecture: start over, say so
    fit_resumable(other, _counting_epoch(calls), loader, loader, loss, torch.device("cpu"), epochs=1,
                  checkpoint=checkpoint)
    assert len(calls) == 4 and "the model's architecture changed" in capsys.readouterr().out


def test_an_epoch_is_max_steps_batches_and_keeps_the_loader_look():
    loader = DataLoader(TensorDataset(torch.rand(50, 3)), batch_size=10)
    limited = EpochBatches(loader, max_steps=2)
    assert len(limited) == 2 and len(list(limited)) == 2
    assert len(limited.dataset) == 20 and limited.batch_size == 10  # as many images as the batches hold
    assert len(list(EpochBatches(loader))) == 5 and EpochBatches(loader).dataset is loader.dataset


def test_a_small_data_set_is_gone_over_again_to_fill_an_epoch():
    """The face stand-in (86 training faces) once trained 3 batches an epoch instead of the CPU's 140."""
    images = torch.arange(22.0).reshape(22, 1)
    loader = DataLoader(TensorDataset(images), batch_size=8, shuffle=True)  # 8 + 8 + 6 per pass
    epoch = EpochBatches(loader, max_steps=7)
    batches = [x for (x,) in epoch]
    assert len(batches) == len(epoch) == 7
    assert len(epoch.dataset) == sum(len(x) for x in batches) == 2 * 22 + 8
    assert sorted(torch.cat(batches[:3]).flatten().tolist()) == images.flatten().tolist()  # a whole pass first


def test_a_checkpoint_trained_by_buggy_code_is_not_resumed_after_the_fix(tmp_path, capsys):
    """The checkpoint trap: fixing vae_loss (the KL's sign) and re-running must train again, saying why."""
    loader = DataLoader(TensorDataset(torch.rand(16, 1, 2, 2)), batch_size=8)
    checkpoint = tmp_path / "run.pt"

    def fit(cells: dict, epochs: int = 1) -> None:
        fit_resumable(TinyVAE(2, (1, 2, 2)), cells["train_epoch"], loader, loader, cells["vae_loss"],
                      torch.device("cpu"), epochs=epochs, checkpoint=checkpoint)

    fit(_cells("-"))  # the bug: the KL subtracted
    capsys.readouterr()
    fit(_cells("-"), epochs=2)  # the same cells run again (new function objects): resumed
    assert "1 epoch(s) already trained" in capsys.readouterr().out
    fit(_cells("+"), epochs=2)  # fixed: only vae_loss changed, and train_epoch calls it
    out = capsys.readouterr().out
    assert "training from the start" in out and "the code of train_epoch" in out and "the code of loss" in out
    assert "resumed" not in out
    fit(_cells("+"), epochs=2)
    assert "2 epoch(s) already trained" in capsys.readouterr().out


def test_changed_settings_restart_training(tmp_path, capsys):
    loader = DataLoader(TensorDataset(torch.rand(16, 1, 2, 2)), batch_size=8)
    cells = _cells("+")
    for max_steps in (1, None):
        fit_resumable(TinyVAE(2, (1, 2, 2)), cells["train_epoch"], loader, loader, cells["vae_loss"],
                      torch.device("cpu"), epochs=1, checkpoint=tmp_path / "run.pt", max_steps=max_steps)
    assert "the settings" in capsys.readouterr().out


def test_the_fingerprint_is_the_same_in_every_process():
    """Bytecode constants include sets, whose order follows string hashing: it must not matter."""
    script = ("import sys; sys.path.insert(0, %r); from tests.vae_course.test_notebook_training import _cells;"
              "from vae_course.fingerprint import code_fingerprint as f;"
              "c = _cells('+'); print(f(c['train_epoch']), f(c['vae_loss']))") % str(Path(__file__).parents[2])
    prints = {subprocess.run([sys.executable, "-c", script], env={**os.environ, "PYTHONHASHSEED": seed},
                             capture_output=True, text=True, check=True).stdout for seed in ("1", "2", "3")}
    assert len(prints) == 1


def test_the_fingerprint_follows_helpers_and_ignores_line_numbers():
    base = _cells("+")
    moved = {"__name__": "__main__"}
    exec(compile("\n\n\n" + NOTEBOOK_CELLS.replace("KL_SIGN", "+"), "<another cell>", "exec"), moved)
    assert code_fingerprint(base["train_epoch"]) == code_fingerprint(moved["train_epoch"])
    assert code_fingerprint(base["train_epoch"]) != code_fingerprint(_cells("-")["train_epoch"])
    assert code_fingerprint(TinyVAE(2, (1, 2, 2))) == code_fingerprint(TinyVAE(2, (1, 2, 2), seed=1))
