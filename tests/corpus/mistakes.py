"""The mistake corpus: real errors students make, each the reference solution with one mistake.

Each entry names the checks that must give it 0 points and a phrase its feedback must show;
every check of the other parts must still give full points.
"""
from __future__ import annotations

from dataclasses import dataclass

from variants import Edit


@dataclass(frozen=True)
class Mistake:
    name: str
    edits: tuple[Edit, ...]
    loses: tuple[str, ...]  # check ids that must score 0
    feedback: str  # shown in the message of at least one of those checks
    exact: bool = False  # one omission: every other check, of its part too, keeps its points


def mistake(name: str, edit: Edit, loses: str, feedback: str, exact: bool = False) -> Mistake:
    return Mistake(name, (edit,), tuple(loses.split()), feedback, exact)


NO_GRAD = Edit("interpolate", "    with torch.no_grad():\n        mu, _ = vae.encode", "    if True:\n        mu, _ = vae.encode")

MISTAKES = [
    # make_cifar10_loaders
    mistake("training split for both loaders", Edit("make_cifar10_loaders", "CIFAR10(root, train=False", "CIFAR10(root, train=True"),
            "cifar10.batches", "the test set has 37 images"),
    mistake("test loader shuffled", Edit("make_cifar10_loaders", "batch_size=batch_size, shuffle=False", "batch_size=batch_size, shuffle=True"),
            "cifar10.order_and_values cifar10.values_and_shuffling", "shuffle the training loader and not the test loader"),
    mistake("normalised to [-1, 1]", Edit("make_cifar10_loaders", "to_tensor = transforms.ToTensor()",
                                          "to_tensor = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.5,) * 3)])"),
            "cifar10.batches cifar10.values_and_shuffling", "not floats in [0, 1]"),
    # reparameterize
    mistake("std used as the variance", Edit("reparameterize", "return mu + eps * std", "return mu + eps * std ** 2"),
            "reparameterize.std reparameterize.distribution reparameterize.gradients_random_cotangent", "not the variance"),
    mistake("exp(logvar) used as the std", Edit("reparameterize", "std = torch.exp(0.5 * logvar)", "std = torch.exp(logvar)"),
            "reparameterize.std reparameterize.gradients_flow reparameterize.distribution reparameterize.gradients_random_cotangent", "not exp(logvar)"),
    mistake(".detach() in reparameterize", Edit("reparameterize", "return mu + eps * std", "return (mu + eps * std).detach()"),
            "reparameterize.gradients_flow reparameterize.gradients_random_cotangent", "without .detach()"),
    mistake(".data in reparameterize", Edit("reparameterize", "std = torch.exp(0.5 * logvar)", "std = torch.exp(0.5 * logvar.data)"),
            "reparameterize.gradients_flow reparameterize.gradients_random_cotangent", ".data"),
    mistake("eps of size (32, 20)", Edit("reparameterize", "eps = torch.randn_like(std)", "eps = torch.randn(32, 20)"),
            "reparameterize.shape_and_dtype reparameterize.gradients_random_cotangent reparameterize.distribution", "torch.randn(32, 20)"),
    mistake("eps on the CPU", Edit("reparameterize", "eps = torch.randn_like(std)", "eps = torch.randn(std.shape)"),
            "reparameterize.one_eps_per_element reparameterize.device_and_precision", "on mu's device"),
    mistake("eps in float32", Edit("reparameterize", "eps = torch.randn_like(std)", "eps = torch.randn_like(std, dtype=torch.float32)"),
            "reparameterize.one_eps_per_element reparameterize.device_and_precision", "in mu's dtype"),
    mistake("mu returned without gradients", Edit("reparameterize", "    std = torch.exp(0.5 * logvar)",
                                                  "    if not torch.is_grad_enabled():\n        return mu\n    std = torch.exp(0.5 * logvar)"),
            "reparameterize.std reparameterize.distribution", "no shortcut that returns mu"),
    # vae_loss
    mistake("KL sign flipped", Edit("vae_loss", "kl = -0.5 *", "kl = 0.5 *"),
            "vae_loss.hand_computed vae_loss.kl_value vae_loss.formula vae_loss.kl_matches_torch", "KL = -0.5 * sum"),
    mistake("KL missing the 0.5", Edit("vae_loss", "kl = -0.5 *", "kl = -1.0 *"),
            "vae_loss.hand_computed vae_loss.formula vae_loss.kl_matches_torch", "the 0.5"),
    mistake("KL averaged over latent dims", Edit("vae_loss", "kl = -0.5 * torch.sum(", "kl = -0.5 * torch.mean("),
            "vae_loss.sums_over_batch vae_loss.formula vae_loss.kl_matches_torch", "summed over every latent dimension"),
    mistake("BCE averaged, KL summed", Edit("vae_loss", 'reduction="sum"', 'reduction="mean"'),
            "vae_loss.hand_computed vae_loss.sums_over_batch vae_loss.formula", "no mean", exact=True),
    mistake("loss divided by the batch size", Edit("vae_loss", "return bce + kl", "return (bce + kl) / len(x)"),
            "vae_loss.sums_over_batch vae_loss.formula", "no division by the batch size"),
    mistake("KL without the '1 +'", Edit("vae_loss", "torch.sum(1 + logvar", "torch.sum(logvar"),
            "vae_loss.kl_zero_at_prior vae_loss.hand_computed", "the '1 +' term"),
    mistake("BCE written by hand without clamping", Edit("vae_loss", 'bce = F.binary_cross_entropy(recon_x, x, reduction="sum")',
                                                         "bce = -torch.sum(x * torch.log(recon_x) + (1 - x) * torch.log(1 - recon_x))"),
            "vae_loss.scalar_and_finite", "clamps the logarithm"),
    # ConvVAE and VAE
    mistake("no sigmoid", Edit("ConvVAE", ", nn.Sigmoid()]", "]"), "conv_vae.ends_in_sigmoid conv_vae.one_sigmoid_small_model",
            "exactly one sigmoid"),
    mistake("double sigmoid", Edit("ConvVAE", "return self.decoder(h)", "return torch.sigmoid(self.decoder(h))"),
            "conv_vae.ends_in_sigmoid conv_vae.one_sigmoid_small_model", "not applied twice"),
    mistake("Tanh output", Edit("ConvVAE", "nn.Sigmoid()]", "nn.Tanh()]"), "conv_vae.ends_in_sigmoid conv_vae.one_sigmoid_small_model", "not Tanh"),
    mistake("decoder view with batch size 32", Edit("ConvVAE", "view(len(z), *self.feature_shape)", "view(32, *self.feature_shape)"),
            "conv_vae.shapes", "never hard-code the batch size"),
    mistake("encoder without ReLU", Edit("ConvVAE", "encoder += [nn.Conv2d(c_in, c_out, kernel_size=4, stride=2, padding=1), nn.ReLU()]",
                                         "encoder += [nn.Conv2d(c_in, c_out, kernel_size=4, stride=2, padding=1)]"),
            "conv_vae.layers conv_vae.encoder_layers", "each followed by a ReLU"),
    mistake("decoder without ReLU", Edit("ConvVAE", "decoder += [nn.ConvTranspose2d(c_in, c_out, kernel_size=4, stride=2, padding=1), nn.ReLU()]",
                                         "decoder += [nn.ConvTranspose2d(c_in, c_out, kernel_size=4, stride=2, padding=1)]"),
            "conv_vae.layers conv_vae.decoder_layers", "with ReLUs between them"),
    mistake("kernel size 3", Edit("ConvVAE", "encoder += [nn.Conv2d(c_in, c_out, kernel_size=4, stride=2, padding=1)",
                                  "encoder += [nn.Conv2d(c_in, c_out, kernel_size=3, stride=2, padding=1)"),
            "conv_vae.layers conv_vae.encoder_layers", "Conv2d(kernel_size=4, stride=2, padding=1)"),
    mistake("smaller default width", Edit("ConvVAE", "hidden_dim: int = 400", "hidden_dim: int = 256"),
            "conv_vae.default_size", "about 52.8 M parameters"),
    mistake("logvar head unused", Edit("ConvVAE", "return self.fc_mu(h), self.fc_logvar(h)", "return self.fc_mu(h), self.fc_mu(h)"),
            "conv_vae.every_layer_learns conv_vae.gradients_other_model", "use every layer"),
    mistake("forward under torch.no_grad()", Edit("ConvVAE", "        mu, logvar = self.encode(x)\n",
                                                  "        with torch.no_grad():\n            mu, logvar = self.encode(x)\n"),
            "conv_vae.every_layer_learns conv_vae.gradients_other_model", "torch.no_grad()"),
    mistake("MNIST VAE output left flat", Edit("VAE", ".view(len(z), *self.image_shape)", ""), "vae.shapes", "(B, 1, 28, 28)"),
    mistake("MNIST VAE without sigmoid", Edit("VAE", "torch.sigmoid(self.fc4(h))", "self.fc4(h)"), "vae.ends_in_sigmoid", "one sigmoid"),
    mistake("MNIST VAE logvar head unused", Edit("VAE", "return self.fc_mu(h), self.fc_logvar(h)", "return self.fc_mu(h), self.fc_mu(h)"),
            "vae.every_layer_learns vae.gradients_batch_of_three", "use every layer"),
    mistake("MNIST VAE encoder without ReLU", Edit("VAE", "h = F.relu(self.fc1(x.flatten(1)))", "h = self.fc1(x.flatten(1))"),
            "vae.architecture", "784 -> 400 (ReLU)"),
    mistake("MNIST VAE ignoring image_shape (the PyTorch example's 784)",
            Edit("VAE", "pixels = math.prod(image_shape)", "pixels = 784"),
            "vae.image_shape", "VAE(image_shape=(C, H, W))", exact=True),
    mistake("MNIST VAE decoding to (B, 1, 28, 28) whatever image_shape", Edit("VAE", ".view(len(z), *self.image_shape)",
                                                                              ".view(len(z), 1, 28, 28)"),
            "vae.image_shape", "(B, C, H, W)", exact=True),
    # interpolate
    mistake("interpolating pixels", Edit("interpolate", "return vae.decode(z)",
                                         "ends = vae.decode(mu)\n        w = weights.view(-1, 1, 1, 1)\n        return (1 - w) * ends[0] + w * ends[1]"),
            "interpolate.ends_and_middle interpolate.linear_path", "not the pixels"),
    mistake("interpolating sampled z", Edit("interpolate", "mu, _ = vae.encode(torch.stack([img1, img2]).to(device))",
                                            "mu = reparameterize(*vae.encode(torch.stack([img1, img2]).to(device)))"),
            "interpolate.endpoints_any_length interpolate.linear_path", "not a random sample"),
    mistake("num_steps + 1 frames", Edit("interpolate", "torch.linspace(0, 1, num_steps,", "torch.linspace(0, 1, num_steps + 1,"),
            "interpolate.shape interpolate.linear_path", "(num_steps, C, H, W)"),
    mistake("interpolation without eval() and no_grad()", Edit("interpolate", "    vae.eval()\n", ""),
            "interpolate.eval_mode_no_grad interpolate.eval_no_grad_twice", "vae.eval()"),
    mistake("interpolation without no_grad()", NO_GRAD, "interpolate.eval_mode_no_grad interpolate.eval_no_grad_twice", "torch.no_grad()"),
    # FFHQDataset
    mistake("LICENSE.txt picked up", Edit("FFHQDataset", 'sorted(Path(root).rglob("*.png"))', 'sorted(p for p in Path(root).rglob("*") if p.is_file())'),
            "ffhq.length_and_items ffhq.sorted_recursive", "skips LICENSE.txt"),
    mistake("listing out of order", Edit("FFHQDataset", 'sorted(Path(root).rglob("*.png"))', 'sorted(Path(root).rglob("*.png"), reverse=True)'),
            "ffhq.length_and_items ffhq.sorted_recursive", "sorted"),
    mistake("listing not recursive", Edit("FFHQDataset", 'Path(root).rglob("*.png")', 'Path(root).glob("*.png")'),
            "ffhq.length_and_items ffhq.sorted_recursive", "rglob"),
    mistake("grey and RGBA images passed through", Edit("FFHQDataset", 'image = image.convert("RGB")', "image = image.copy()"),
            "ffhq.rgb_and_transform ffhq.grey_and_rgba_to_rgb", ".convert('RGB')"),
    mistake("wrong __len__", Edit("FFHQDataset", "return len(self.paths)", "return len(self.paths) - 1"),
            "ffhq.length_and_items ffhq.sorted_recursive", "__len__ is their number"),
    mistake("transform ignored", Edit("FFHQDataset", "return self.transform(image) if self.transform is not None else TF.to_tensor(image)",
                                      "return TF.to_tensor(image)"), "ffhq.rgb_and_transform ffhq.transform_output", "transform(image)"),
    # sample_images
    mistake("16 samples whatever is asked", Edit("sample_images", "torch.randn(num_samples,", "torch.randn(16,"),
            "sample_images.shape sample_images.one_latent_per_sample", "(num_samples, C, H, W)"),
    mistake("latent size hard-coded to 20", Edit("sample_images", "vae.latent_dim, device", "20, device"),
            "sample_images.normal_latents sample_images.one_latent_per_sample", "rather than a fixed 20"),
    mistake("uniform instead of normal", Edit("sample_images", "torch.randn(num_samples", "torch.rand(num_samples"),
            "sample_images.normal_latents sample_images.one_latent_per_sample", "z ~ N(0, I)"),
    mistake("generation without eval() and no_grad()", Edit("sample_images", "    vae.eval()\n", ""),
            "sample_images.eval_no_grad", "vae.eval()", exact=True),
    # mistakes that the public self-checks used to miss (issue 12)
    mistake("one eps shared by the batch", Edit("reparameterize", "eps = torch.randn_like(std)", "eps = torch.randn_like(std[0])"),
            "reparameterize.one_eps_per_element reparameterize.distribution", "not one eps shared by the batch"),
    mistake("one eps for every element", Edit("reparameterize", "eps = torch.randn_like(std)", "eps = torch.randn(1).item()"),
            "reparameterize.one_eps_per_element", "Draw a separate eps for every element"),
    mistake("interpolation without its end point", Edit("interpolate", "num_steps, device=device, dtype=mu.dtype).unsqueeze(1)",
                                                         "num_steps + 1, device=device, dtype=mu.dtype)[:-1].unsqueeze(1)"),
            "interpolate.ends_and_middle", "both ends included"),
    mistake("sampling without no_grad()", Edit("sample_images", "    with torch.no_grad():\n        z = torch.randn",
                                               "    if True:\n        z = torch.randn"),
            "sample_images.eval_no_grad", "torch.no_grad()", exact=True),
    mistake("KL with the variance for the log-variance", Edit("vae_loss", "- logvar.exp())", "- logvar)"),
            "vae_loss.kl_value vae_loss.formula vae_loss.kl_zero_at_prior",
            "-0.5 * sum(1 + logvar - mu**2 - exp(logvar))"),
    mistake("MNIST VAE hidden layer of 256", Edit("VAE", "hidden_dim: int = 400", "hidden_dim: int = 256"),
            "vae.architecture", "652,824"),
    mistake("ConvVAE channels not doubling", Edit("ConvVAE", "channels = [hidden_dim * 2**i for i in range(num_layers)]",
                                                  "channels = [hidden_dim] * num_layers"),
            "conv_vae.layers conv_vae.encoder_layers conv_vae.default_size", "hidden_dim * 2**i"),
    mistake("decoder output detached", Edit("ConvVAE", "        return self.decoder(h)\n", "        return self.decoder(h).detach()\n"),
            "conv_vae.every_layer_learns conv_vae.gradients_other_model conv_vae.learns", "no .detach()"),
    # train_epoch
    mistake("no zero_grad: gradients add up", Edit("train_epoch", "        optimizer.zero_grad()\n", ""),
            "train_epoch.weight_updates train_epoch.fresh_gradients", "optimizer.zero_grad()", exact=True),
    mistake("optimizer.step() missing", Edit("train_epoch", "        optimizer.step()\n", ""),
            "train_epoch.weight_updates train_epoch.fresh_gradients", "optimizer.step()", exact=True),
    mistake("loss averaged twice", Edit("train_epoch", "total += loss.item()", "total += loss.item() / len(x)"),
            "train_epoch.mean_per_image train_epoch.image_batches", "divide once", exact=True),
    mistake("model.eval() left on", Edit("train_epoch", "    model.train()\n", ""),
            "train_epoch.train_mode", "model.train()", exact=True),
    mistake(".item() missing: the graph is kept", Edit("train_epoch", "total += loss.item()", "total += loss"),
            "train_epoch.returns_float", "loss.item()", exact=True),
    mistake("batches not moved to the device", Edit("train_epoch", "        x = x.to(device)\n", ""),
            "train_epoch.device", "x.to(device)", exact=True),
    mistake("labels assumed in every batch", Edit("train_epoch", "x = batch[0] if isinstance(batch, (list, tuple)) else batch",
                                                  "x, _ = batch"),
            "train_epoch.image_batches", "batch[0]", exact=True),
]
