"""The hidden checks by name and points, one line per part: public, so the self-check can say what grading adds.

Only names and points: the questions and code stay in ``autograder/hidden/``, which students never
get. ``tests/autograder/test_self_check.py`` fails when this list and the hidden checks disagree.
"""
from __future__ import annotations

HIDDEN_CHECKS: dict[str, tuple[tuple[str, float], ...]] = {
    "make_cifar10_loaders": (("cifar10.values_and_shuffling", 2),),
    "reparameterize": (("reparameterize.gradients", 1), ("reparameterize.distribution", 1),
                       ("reparameterize.device_and_precision", 2)),
    "vae_loss": (("vae_loss.formula", 2), ("vae_loss.kl_zero_at_prior", 1), ("vae_loss.kl_matches_torch", 1)),
    "ConvVAE": (("conv_vae.encoder_layers", 1), ("conv_vae.decoder_layers", 1), ("conv_vae.sigmoid_output", 1),
                ("conv_vae.gradients_reach_all", 1), ("conv_vae.learns", 1)),
    "VAE": (("vae.gradients_reach_all", 1),),
    "interpolate": (("interpolate.endpoints", 1), ("interpolate.linear_path", 1), ("interpolate.eval_no_grad", 1)),
    "FFHQDataset": (("ffhq.sorted_recursive", 2), ("ffhq.converts_to_rgb", 1), ("ffhq.transform", 1)),
    "sample_images": (("sample_images.prior", 1),),
    "train_epoch": (("train_epoch.train_mode", 1), ("train_epoch.fresh_gradients", 2), ("train_epoch.device", 1),
                    ("train_epoch.image_batches", 1)),
}
