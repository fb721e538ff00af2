"""Does every check pass the reference solution and fail on the mistake its feedback names?"""
from __future__ import annotations

import pytest

from autograder.checks import REGISTRY, load_checks
from autograder.grading import run_check
from autograder.students import LocalStudent
from variants import Edit, edited_definitions

NO_GRAD_BLOCK = ("    with torch.no_grad():\n        mu, _ = vae.encode", "    if True:\n        mu, _ = vae.encode")

# check id -> (the mistake, the edit that makes it)
MISTAKES: dict[str, list[tuple[str, Edit]]] = {
    "cifar10.batches": [("the training split for both loaders",
                         Edit("make_cifar10_loaders", "datasets.CIFAR10(root, train=False", "datasets.CIFAR10(root, train=True"))],
    "cifar10.values_and_shuffling": [
        ("a shuffled test loader", Edit("make_cifar10_loaders", "batch_size=batch_size, shuffle=False", "batch_size=batch_size, shuffle=True")),
        ("normalised to [-1, 1]", Edit("make_cifar10_loaders", "to_tensor = transforms.ToTensor()",
                                       "to_tensor = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.5,) * 3)])"))],
    "reparameterize.shape_and_dtype": [("eps of a hard-coded size", Edit("reparameterize", "eps = torch.randn_like(std)", "eps = torch.randn(32, 20)"))],
    "reparameterize.gradients": [
        ("a detached result", Edit("reparameterize", "return mu + eps * std", "return (mu + eps * std).detach()")),
        ("logvar.data", Edit("reparameterize", "std = torch.exp(0.5 * logvar)", "std = torch.exp(0.5 * logvar.data)"))],
    "reparameterize.distribution": [
        ("exp(logvar) as the std", Edit("reparameterize", "std = torch.exp(0.5 * logvar)", "std = torch.exp(logvar)")),
        ("the variance as the std", Edit("reparameterize", "return mu + eps * std", "return mu + eps * std ** 2"))],
    "reparameterize.device_and_precision": [
        ("eps on the CPU in float32", Edit("reparameterize", "eps = torch.randn_like(std)", "eps = torch.randn(std.shape)"))],
    "vae_loss.hand_computed": [("the KL sign flipped", Edit("vae_loss", "kl = -0.5 *", "kl = 0.5 *"))],
    "vae_loss.formula": [
        ("BCE averaged, KL summed", Edit("vae_loss", 'reduction="sum"', 'reduction="mean"')),
        ("divided by the batch size", Edit("vae_loss", "return bce + kl", "return (bce + kl) / len(x)")),
        ("KL without the 0.5", Edit("vae_loss", "kl = -0.5 *", "kl = -1.0 *"))],
    "vae_loss.kl_zero_at_prior": [("KL without the '1 +'", Edit("vae_loss", "torch.sum(1 + logvar", "torch.sum(logvar"))],
    "vae_loss.kl_matches_torch": [("KL averaged over latent dims", Edit("vae_loss", "kl = -0.5 * torch.sum(", "kl = -0.5 * torch.mean("))],
    "vae_loss.scalar_and_finite": [
        ("per-image losses", Edit("vae_loss", "return bce + kl", "return bce + kl + 0 * mu.sum(1)")),
        ("a hand-written BCE without clamping", Edit("vae_loss", 'bce = F.binary_cross_entropy(recon_x, x, reduction="sum")',
                                                     "bce = -torch.sum(x * torch.log(recon_x) + (1 - x) * torch.log(1 - recon_x))"))],
    "conv_vae.shapes": [("a hard-coded batch size in decode", Edit("ConvVAE", "view(len(z), *self.feature_shape)", "view(32, *self.feature_shape)"))],
    "conv_vae.encoder_layers": [
        ("no ReLU in the encoder", Edit("ConvVAE", "encoder += [nn.Conv2d(c_in, c_out, kernel_size=4, stride=2, padding=1), nn.ReLU()]",
                                        "encoder += [nn.Conv2d(c_in, c_out, kernel_size=4, stride=2, padding=1)]"))],
    "conv_vae.decoder_layers": [
        ("no ReLU between transposed convs", Edit("ConvVAE", "decoder += [nn.ConvTranspose2d(c_in, c_out, kernel_size=4, stride=2, padding=1), nn.ReLU()]",
                                                  "decoder += [nn.ConvTranspose2d(c_in, c_out, kernel_size=4, stride=2, padding=1)]"))],
    "conv_vae.sigmoid_output": [
        ("no sigmoid", Edit("ConvVAE", ", nn.Sigmoid()]", "]")),
        ("a double sigmoid", Edit("ConvVAE", "return self.decoder(h)", "return torch.sigmoid(self.decoder(h))")),
        ("Tanh", Edit("ConvVAE", "nn.Sigmoid()]", "nn.Tanh()]"))],
    "conv_vae.seed_size": [("a smaller default width", Edit("ConvVAE", "hidden_dim: int = 400", "hidden_dim: int = 256"))],
    "conv_vae.gradients_reach_all": [("the logvar head unused", Edit("ConvVAE", "return self.fc_mu(h), self.fc_logvar(h)", "return self.fc_mu(h), self.fc_mu(h)"))],
    "conv_vae.learns": [("forward under torch.no_grad()", Edit("ConvVAE", "        mu, logvar = self.encode(x)\n",
                                                               "        with torch.no_grad():\n            mu, logvar = self.encode(x)\n"))],
    "vae.shapes": [("flat output", Edit("VAE", ".view(len(z), *self.image_shape)", ""))],
    "vae.architecture": [("no ReLU after the first layer", Edit("VAE", "h = F.relu(self.fc1(x.flatten(1)))", "h = self.fc1(x.flatten(1))"))],
    "vae.sigmoid_output": [("no sigmoid", Edit("VAE", "torch.sigmoid(self.fc4(h))", "self.fc4(h)"))],
    "vae.gradients_reach_all": [("the logvar head unused", Edit("VAE", "return self.fc_mu(h), self.fc_logvar(h)", "return self.fc_mu(h), self.fc_mu(h)"))],
    "interpolate.shape": [("one step too many", Edit("interpolate", "torch.linspace(0, 1, num_steps,", "torch.linspace(0, 1, num_steps + 1,"))],
    "interpolate.endpoints": [("sampled z instead of the means", Edit("interpolate", "mu, _ = vae.encode(torch.stack([img1, img2]).to(device))",
                                                                      "mu = reparameterize(*vae.encode(torch.stack([img1, img2]).to(device)))"))],
    "interpolate.linear_path": [("interpolating pixels", Edit("interpolate", "return vae.decode(z)",
                                                             "ends = vae.decode(mu)\n        w = weights.view(-1, 1, 1, 1)\n        return (1 - w) * ends[0] + w * ends[1]")),
                                ("one step too few", Edit("interpolate", "torch.linspace(0, 1, num_steps,", "torch.linspace(0, 1, num_steps - 1,"))],
    "interpolate.eval_no_grad": [("no eval() and no no_grad()", Edit("interpolate", "    vae.eval()\n", "")),
                                 ("no no_grad()", Edit("interpolate", *NO_GRAD_BLOCK))],
    "ffhq.length_and_items": [("LICENSE.txt picked up", Edit("FFHQDataset", 'sorted(Path(root).rglob("*.png"))',
                                                              'sorted(p for p in Path(root).rglob("*") if p.is_file())')),
                              ("a wrong __len__", Edit("FFHQDataset", "return len(self.paths)", "return len(self.paths) - 1"))],
    "ffhq.sorted_recursive": [("not recursive", Edit("FFHQDataset", 'Path(root).rglob("*.png")', 'Path(root).glob("*.png")')),
                              ("out of order", Edit("FFHQDataset", 'sorted(Path(root).rglob("*.png"))', 'sorted(Path(root).rglob("*.png"), reverse=True)'))],
    "ffhq.converts_to_rgb": [("grey and RGBA passed through", Edit("FFHQDataset", 'image = image.convert("RGB")', "image = image.copy()"))],
    "ffhq.transform": [("the transform ignored", Edit("FFHQDataset", "return self.transform(image) if self.transform is not None else TF.to_tensor(image)",
                                                      "return TF.to_tensor(image)"))],
    "sample_images.shape": [("a hard-coded number of samples", Edit("sample_images", "torch.randn(num_samples,", "torch.randn(16,"))],
    "sample_images.prior": [("a hard-coded latent size", Edit("sample_images", "vae.latent_dim, device", "20, device")),
                            ("uniform instead of normal", Edit("sample_images", "torch.randn(num_samples", "torch.rand(num_samples"))],
    "sample_images.eval_no_grad": [("no eval()", Edit("sample_images", "    vae.eval()\n", ""))],
}
CASES = [(check_id, name, edit) for check_id, mistakes in MISTAKES.items() for name, edit in mistakes]


def test_every_check_has_a_mistake_it_catches():
    """Is there at least one wrong implementation for every check?"""
    assert {c.id for c in load_checks()} == set(MISTAKES)


def _run(check_id, namespace, tmp_path):
    load_checks()
    student = LocalStudent(namespace, tmp_path)
    return run_check(REGISTRY[check_id], student, set(namespace), {})


@pytest.mark.parametrize("check_id", sorted(MISTAKES))
def test_reference_passes(check_id, reference, tmp_path):
    """Does the reference solution pass this check?"""
    result = _run(check_id, reference, tmp_path)
    assert result.score == result.points, result.message


@pytest.mark.parametrize("check_id,mistake,edit", CASES, ids=[f"{c}-{m}" for c, m, _ in CASES])
def test_check_fails_on_the_mistake(check_id, mistake, edit, tmp_path):
    """Does this check give 0 points to a submission with exactly this mistake?"""
    result = _run(check_id, edited_definitions(tmp_path, edit), tmp_path)
    assert result.score == 0, f"{check_id} passed a submission with {mistake}"
    assert result.message and result.message != "Passed."
