"""The KL term at work: one small MNIST VAE trained with its KL term weighted by beta.

At beta = 0 the model is an autoencoder with noisy codes: every latent dimension carries
information and decoding z ~ N(0, I) lands in holes the decoder never saw. As beta grows,
more dimensions' posteriors collapse onto the prior (their KL drops to about 0) and
reconstructions blur. A dimension counts as *active* by the test of Burda et al. (2016,
"Importance Weighted Autoencoders", section 5.2): its posterior mean varies with the input,
Cov_x(E_q[z_j | x]) > 0.01. A KL above some threshold is not enough: a posterior that is the
same for every x (say N(0, 0.5)) has a positive KL and carries nothing about x.
Each run is about a thousand optimizer steps, seconds on a CPU.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from torch import nn
from tqdm.auto import tqdm

from vae_course.comparison import image_rows, kl_to_prior
from vae_course.inline import save_and_show
from vae_course.training import LossFn, batch_images, batch_loss

BETAS = (0.0, 0.1, 1.0, 4.0)
ACTIVE_COVARIANCE = 0.01  # Burda et al. (2016): active when Var_x of the posterior mean exceeds this
SWEEP_LR = 3e-3  # above fit()'s 1e-3, so that unused dimensions collapse within a thousand steps


def beta_vae_loss(beta: float) -> LossFn:
    """BCE summed over pixels and batch plus ``beta`` times the summed KL to N(0, I)."""
    def loss(recon_x: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy(recon_x, x, reduction="sum") + beta * kl_to_prior(mu, logvar).sum()
    return loss


def _forever(loader: Iterable) -> Iterator:
    while True:
        yield from loader


def train_with_beta(model: nn.Module, loader: Iterable, beta: float, device: torch.device | str, steps: int,
                    lr: float = 1e-3) -> nn.Module:
    """``steps`` Adam steps on ``beta_vae_loss(beta)``, cycling through ``loader``."""
    model.to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = beta_vae_loss(beta)
    batches = _forever(loader)
    for _ in tqdm(range(steps), desc=f"beta = {beta:g}", leave=False):
        x = batch_images(next(batches)).to(device)
        loss = batch_loss(model, x, loss_fn)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return model.eval()


@dataclass
class BetaRun:
    """One trained model and what it shows, on held-out images."""

    beta: float
    model: nn.Module
    kl_per_dim: torch.Tensor  # (latent_dim,) mean KL per image, nats
    activity: torch.Tensor  # (latent_dim,) Cov_x(E_q[z_j | x]): the variance of mu_j(x) over the images
    reconstruction: float  # mean summed BCE per image, nats
    samples: torch.Tensor  # decoded from z ~ N(0, I), the same z for every beta
    interpolation: torch.Tensor  # decoded from the line between two posterior means

    @property
    def kl(self) -> float:
        return float(self.kl_per_dim.sum())

    @property
    def active(self) -> torch.Tensor:
        """Which dimensions are active: those whose posterior mean varies with the image."""
        return self.activity > ACTIVE_COVARIANCE

    @property
    def active_units(self) -> int:
        return int(self.active.sum())


def unit_activity(mu: torch.Tensor) -> torch.Tensor:
    """Cov_x(E_q[z_j | x]) per dimension: the variance over the images of the posterior means ``mu`` (B, d)."""
    return mu.double().var(0, correction=0).float()


@torch.no_grad()
def held_out_terms(model: nn.Module, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, float]:
    """The mean KL per latent dimension, each dimension's activity, and the mean summed BCE per image
    (one z sample each)."""
    model.eval()
    device = next(model.parameters()).device
    x = images.to(device)
    x_hat, mu, logvar = model(x)
    reconstruction = F.binary_cross_entropy(x_hat, x, reduction="sum").item() / len(x)
    return kl_to_prior(mu, logvar).mean(0).cpu(), unit_activity(mu).cpu(), reconstruction


def run_beta_sweep(
    make_model: Callable[[], nn.Module], train_loader: Iterable, test_images: torch.Tensor,
    ends: tuple[torch.Tensor, torch.Tensor], device: torch.device | str, steps: int,
    sample_images: Callable[[nn.Module, int], torch.Tensor],
    interpolate: Callable[[nn.Module, torch.Tensor, torch.Tensor, int], torch.Tensor],
    betas: Sequence[float] = BETAS, seed: int = 0, num_samples: int = 8, num_steps: int = 8, lr: float = SWEEP_LR,
) -> list[BetaRun]:
    """Train one fresh model per beta from the same initial weights and data order, and measure it.

    ``sample_images`` and ``interpolate`` are the assignment's own functions.
    """
    runs = []
    for beta in betas:
        torch.manual_seed(seed)
        model = train_with_beta(make_model(), train_loader, beta, device, steps, lr)
        kl_per_dim, activity, reconstruction = held_out_terms(model, test_images)
        torch.manual_seed(seed)
        samples = sample_images(model, num_samples).cpu()
        path = interpolate(model, ends[0], ends[1], num_steps).cpu()
        runs.append(BetaRun(beta, model, kl_per_dim, activity, reconstruction, samples, path))
    return runs


def sweep_table(runs: Sequence[BetaRun]) -> str:
    """One line per beta: reconstruction and KL in nats per image, and the active units (Burda et al.'s test)."""
    lines = [f"{'beta':>6}{'recon nats/img':>16}{'KL nats/img':>13}{'active units':>14}"]
    for run in runs:
        lines.append(f"{run.beta:>6g}{run.reconstruction:>16.1f}{run.kl:>13.1f}"
                     f"{f'{run.active_units}/{len(run.kl_per_dim)}':>14}")
    lines.append(f"active unit: Cov_x(E_q[z_j|x]) > {ACTIVE_COVARIANCE:g} over the test images (Burda et al. 2016)")
    return "\n".join(lines)


def show_beta_sweep(runs: Sequence[BetaRun], path: str | Path) -> Path:
    """Per beta, one row: KL per latent dimension, prior samples, and the interpolation."""
    if not runs:
        raise ValueError("no runs to draw")
    fig = Figure(figsize=(12.0, 1.9 * len(runs) + 0.6))
    grid = GridSpec(len(runs), 3, figure=fig, width_ratios=[1.1, 2.2, 2.2])
    for row, run in enumerate(runs):
        bars = fig.add_subplot(grid[row, 0])
        dims = range(len(run.kl_per_dim))
        bars.bar(dims, run.kl_per_dim.numpy(), color=["tab:blue" if a else "tab:gray" for a in run.active])
        bars.set_ylabel(f"beta = {run.beta:g}\nKL (nats)")
        bars.set_title(f"{run.active_units} of {len(run.kl_per_dim)} units active (blue)", fontsize=9)
        bars.tick_params(labelsize=7)
        for col, (images, title) in enumerate([(run.samples, "decoded from z ~ N(0, I)"),
                                               (run.interpolation, "interpolation between two test digits")], 1):
            ax = fig.add_subplot(grid[row, col])
            ax.imshow(image_rows([images], len(images)))
            ax.axis("off")
            if row == 0:
                ax.set_title(title, fontsize=10)
    bars.set_xlabel("latent dimension")
    fig.tight_layout()
    return save_and_show(fig, path)
