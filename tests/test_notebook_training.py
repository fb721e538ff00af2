"""Does the notebook's epoch driver resume from its checkpoint instead of starting over?"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from autograder.tiny_vae import TinyVAE
from vae_course.training import FirstBatches, fit_resumable


def _loss(x_hat, x, mu, logvar):
    return F.binary_cross_entropy(x_hat, x, reduction="sum") - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def _counting_epoch(calls: list[int]):
    def train_epoch(model, loader, optimizer, device) -> float:
        model.train()
        total, count = 0.0, 0
        for (x,) in loader:
            x_hat, mu, logvar = model(x.to(device))
            loss = _loss(x_hat, x, mu, logvar)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, count = total + loss.item(), count + len(x)
        calls.append(count)
        return total / count
    return train_epoch


def test_rerunning_resumes_after_the_last_finished_epoch(tmp_path, capsys):
    torch.manual_seed(0)
    loader = DataLoader(TensorDataset(torch.rand(24, 1, 2, 2)), batch_size=8)
    checkpoint, calls = tmp_path / "run.pt", []
    first = fit_resumable(TinyVAE(2, (1, 2, 2)), _counting_epoch(calls), loader, loader, _loss,
                          torch.device("cpu"), epochs=2, checkpoint=checkpoint)
    assert calls == [24, 24] and len(first["train"]) == 2
    model = TinyVAE(2, (1, 2, 2), seed=1)  # fresh weights: the checkpoint's must replace them
    again = fit_resumable(model, _counting_epoch(calls), loader, loader, _loss, torch.device("cpu"),
                          epochs=3, checkpoint=checkpoint)
    assert calls == [24, 24, 24], "only the third epoch trains"
    assert again["train"][:2] == first["train"] and len(again["train"]) == 3
    assert "2 epoch(s) already trained" in capsys.readouterr().out
    other = TinyVAE(3, (1, 2, 2))  # another architecture: start over, say so
    fit_resumable(other, _counting_epoch(calls), loader, loader, _loss, torch.device("cpu"), epochs=1,
                  checkpoint=checkpoint)
    assert len(calls) == 4 and "holds a different model" in capsys.readouterr().out


def test_first_batches_limits_steps_and_keeps_the_loader_look():
    loader = DataLoader(TensorDataset(torch.rand(50, 3)), batch_size=10)
    limited = FirstBatches(loader, max_steps=2)
    assert len(limited) == 2 and len(list(limited)) == 2
    assert len(limited.dataset) == 20 and limited.batch_size == 10  # as many images as the batches hold
    assert FirstBatches(loader, max_steps=9).dataset is loader.dataset
    assert len(list(FirstBatches(loader))) == 5
