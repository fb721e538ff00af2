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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from torch import nn

from vae_course.comparison import image_rows, loss_terms
from vae_course.inline import save_and_show
from vae_course.training import EpochBatches, EpochFn, LossFn

BETAS = (0.0, 0.1, 1.0, 4.0)
ACTIVE_COVARIANCE = 0.01  # Burda et al. (2016): active when Var_x of the posterior mean exceeds this
SWEEP_LR = 3e-3  # above fit()'s 1e-3, so that unused dimensions collapse within a thousand steps


def beta_vae_loss(vae_loss: LossFn, beta: float) -> LossFn:
    """The notebook's ``vae_loss`` with its KL term weighted by ``beta``: reconstruction + beta * KL.

    Built from the student's own loss (``comparison.loss_terms``): this package holds no loss.
    """
    def loss(recon_x: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        reconstruction, kl = loss_terms(vae_loss, recon_x, x, mu, logvar)
        return reconstruction + beta * kl
    return loss


@contextmanager
def lent_loss(train_epoch: EpochFn, loss: LossFn) -> Iterator[None]:
    """``train_epoch`` calls ``loss`` for ``vae_loss`` for the duration: it reads the notebook's global ``vae_loss``.

    Fails if ``train_epoch`` never called it, rather than train with another loss unnoticed.
    """
    namespace = getattr(train_epoch, "__globals__", None)
    if namespace is None or "vae_loss" not in namespace:
        raise TypeError("train_epoch does not read a global vae_loss: define both in the notebook")
    calls = []

    def counted(*args: torch.Tensor) -> torch.Tensor:
        calls.append(None)
        return loss(*args)

    own = namespace["vae_loss"]
    namespace["vae_loss"] = counted
    try:
        yield
    finally:
        namespace["vae_loss"] = own
    if not calls:
        raise RuntimeError("train_epoch never called vae_loss: the beta sweep trains through it with the KL weighted")


def train_with_beta(model: nn.Module, loader: Iterable, beta: float, device: torch.device | str, steps: int,
                    train_epoch: EpochFn, vae_loss: LossFn, lr: float = 1e-3) -> nn.Module:
    """One epoch of ``steps`` batches of the notebook's ``train_epoch`` with Adam, its ``vae_loss`` weighted by beta."""
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    with lent_loss(train_epoch, beta_vae_loss(vae_loss, beta)):
        train_epoch(model, EpochBatches(loader, steps, desc=f"beta = {beta:g}"), optimizer, torch.device(device))
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
def held_out_terms(model: nn.Module, images: torch.Tensor,
                   vae_loss: LossFn) -> tuple[torch.Tensor, torch.Tensor, float]:
    """The mean KL per latent dimension, each dimension's activity, and the mean reconstruction term per image
    (one z sample each), all from the notebook's own ``vae_loss``.

    A dimension's KL is what ``vae_loss`` adds when only that dimension's mu and logvar are set.
    """
    model.eval()
    device = next(model.parameters()).device
    x = images.to(device)
    x_hat, mu, logvar = (t.double() for t in model(x))  # a term is a difference of two sums: keep its digits
    x = x.double()
    reconstruction, _ = loss_terms(vae_loss, x_hat, x, mu, logvar)
    kl_per_dim = []
    for dim in range(mu.shape[1]):
        only = torch.zeros_like(mu)
        only[:, dim] = 1
        kl_per_dim.append(loss_terms(vae_loss, x_hat, x, mu * only, logvar * only)[1].float() / len(x))
    return torch.stack(kl_per_dim).cpu(), unit_activity(mu.float()).cpu(), reconstruction.item() / len(x)


def run_beta_sweep(
    make_model: Callable[[], nn.Module], train_loader: Iterable, test_images: torch.Tensor,
    ends: tuple[torch.Tensor, torch.Tensor], device: torch.device | str, steps: int,
    train_epoch: EpochFn, vae_loss: LossFn, sample_images: Callable[[nn.Module, int], torch.Tensor],
    interpolate: Callable[[nn.Module, torch.Tensor, torch.Tensor, int], torch.Tensor],
    betas: Sequence[float] = BETAS, seed: int = 0, num_samples: int = 8, num_steps: int = 8, lr: float = SWEEP_LR,
) -> list[BetaRun]:
    """Train one fresh model per beta from the same initial weights and data order, and measure it.

    ``train_epoch``, ``vae_loss``, ``sample_images`` and ``interpolate`` are the assignment's own functions:
    this package holds none of them.
    """
    runs = []
    for beta in betas:
        torch.manual_seed(seed)
        model = train_with_beta(make_model(), train_loader, beta, device, steps, train_epoch, vae_loss, lr)
        kl_per_dim, activity, reconstruction = held_out_terms(model, test_images, vae_loss)
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
