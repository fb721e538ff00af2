"""The valid-alternatives corpus: correct code written differently from the reference."""
from __future__ import annotations

from dataclasses import dataclass

from variants import Edit, cell_source, whole_cell


@dataclass(frozen=True)
class Alternative:
    name: str
    edits: tuple[Edit, ...]


CONV_VAE_EXPLICIT = '''
import torch.nn.functional as F


class ConvVAE(nn.Module):
    """Explicit layers in ModuleLists and functional ReLUs instead of nn.Sequential."""

    def __init__(self, in_channels=3, hidden_dim=400, latent_dim=20, num_layers=3, image_size=32):
        super().__init__()
        self.latent_dim = latent_dim
        self.side = image_size // 2 ** num_layers
        self.top = hidden_dim * 2 ** (num_layers - 1)
        self.convs = nn.ModuleList()
        channels = in_channels
        for i in range(num_layers):
            self.convs.append(nn.Conv2d(channels, hidden_dim * 2 ** i, 4, 2, 1))
            channels = hidden_dim * 2 ** i
        flat = self.top * self.side * self.side
        self.fc_mu = nn.Linear(flat, latent_dim)
        self.fc_logvar = nn.Linear(flat, latent_dim)
        self.fc_z = nn.Linear(latent_dim, flat)
        self.deconvs = nn.ModuleList()
        for i in reversed(range(num_layers)):
            out = in_channels if i == 0 else hidden_dim * 2 ** (i - 1)
            self.deconvs.append(nn.ConvTranspose2d(hidden_dim * 2 ** i, out, 4, 2, 1))

    def encode(self, x):
        for conv in self.convs:
            x = F.relu(conv(x))
        x = torch.flatten(x, start_dim=1)
        return self.fc_mu(x), self.fc_logvar(x)

    def decode(self, z):
        h = F.relu(self.fc_z(z)).reshape(-1, self.top, self.side, self.side)
        for i, deconv in enumerate(self.deconvs):
            h = deconv(h)
            if i < len(self.deconvs) - 1:
                h = F.relu(h)
        return torch.sigmoid(h)

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar)), mu, logvar
'''

VAE_SEQUENTIAL = '''
class VAE(nn.Module):
    """nn.Sequential blocks instead of named layers."""

    def __init__(self, image_shape=(1, 28, 28), hidden_dim=400, latent_dim=20):
        super().__init__()
        self.latent_dim = latent_dim
        self.image_shape = image_shape
        pixels = math.prod(image_shape)
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(pixels, hidden_dim), nn.ReLU())
        self.mu = nn.Linear(hidden_dim, latent_dim)
        self.logvar = nn.Linear(hidden_dim, latent_dim)
        self.generator = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, pixels),
                                       nn.Sigmoid(), nn.Unflatten(1, image_shape))

    def encode(self, x):
        h = self.body(x)
        return self.mu(h), self.logvar(h)

    def decode(self, z):
        return self.generator(z)

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar)), mu, logvar
'''

FFHQ_READ_IMAGE_OS_WALK = '''
import os

from PIL import Image
from torchvision.io import ImageReadMode, read_image


class FFHQDataset(Dataset):
    """os.walk for the listing and torchvision.io.read_image for decoding."""

    def __init__(self, root, transform=None):
        self.files = sorted(os.path.join(folder, name) for folder, _, names in os.walk(root)
                            for name in names if name.endswith(".png"))
        self.transform = transform

    def __len__(self):
        return len(self.files)

    def __getitem__(self, index):
        if self.transform is not None:
            with Image.open(self.files[index]) as image:
                return self.transform(image.convert("RGB"))
        return read_image(self.files[index], mode=ImageReadMode.RGB).float() / 255
'''

CONV_VAE_FUSED_HEAD = cell_source("ConvVAE").replace(
    "        self.fc_mu = nn.Linear(features, latent_dim)\n        self.fc_logvar = nn.Linear(features, latent_dim)\n",
    "        self.fc_gaussian = nn.Linear(features, 2 * latent_dim)  # mu and logvar in one layer, split in halves\n",
).replace("        return self.fc_mu(h), self.fc_logvar(h)", "        mu, logvar = self.fc_gaussian(h).chunk(2, dim=1)\n        return mu, logvar")

VAE_FUSED_HEAD = cell_source("VAE").replace(
    "        self.fc_mu = nn.Linear(hidden_dim, latent_dim)\n        self.fc_logvar = nn.Linear(hidden_dim, latent_dim)\n",
    "        self.fc2 = nn.Linear(hidden_dim, 2 * latent_dim)\n",
).replace("        return self.fc_mu(h), self.fc_logvar(h)",
          "        out = self.fc2(h)\n        return out[:, :self.latent_dim], out[:, self.latent_dim:]")

REPARAMETERIZE_TABS = cell_source("reparameterize").replace("    ", "\t")

TRAIN_EPOCH_EXAMPLES_STYLE = '''
def train_epoch(model, loader, optimizer, device):
    """pytorch/examples style: enumerate, zero_grad first, len(loader.dataset), data moved before unpacking."""
    model.train()
    train_loss = 0
    for batch_idx, data in enumerate(loader):
        if isinstance(data, (list, tuple)):
            data = [part.to(device) for part in data]
            data, _ = data
        else:
            data = data.to(device)
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = vae_loss(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    return train_loss / len(loader.dataset)
'''

TRAIN_EPOCH_TENSOR_TOTAL = '''
def train_epoch(model, loader, optimizer, device):
    """A detached tensor total, model.zero_grad(set_to_none=False) after the forward pass, outputs passed with *."""
    model.train(True)
    total, seen = torch.zeros(()), 0
    for batch in loader:
        images = batch[0] if type(batch) in (list, tuple) else batch
        images = images.to(device=device, non_blocking=True)
        outputs = model(images)
        loss = vae_loss(outputs[0], images, *outputs[1:])
        model.zero_grad(set_to_none=False)
        loss.backward()
        optimizer.step()
        total += loss.detach()
        seen += images.size(0)
    return float(total) / seen
'''

ALTERNATIVES = [
    Alternative("eps from torch.normal", (Edit("reparameterize", "eps = torch.randn_like(std)",
                                                "eps = torch.normal(torch.zeros_like(std), torch.ones_like(std))"),)),
    Alternative("Normal(mu, std).rsample()", (Edit("reparameterize", "eps = torch.randn_like(std)\n    return mu + eps * std",
                                                    "return torch.distributions.Normal(mu, std).rsample()"),)),
    Alternative("pytorch/examples style std", (Edit("reparameterize", "std = torch.exp(0.5 * logvar)", "std = logvar.mul(0.5).exp()"),)),
    Alternative("BCE written by hand with clamping", (Edit("vae_loss", 'bce = F.binary_cross_entropy(recon_x, x, reduction="sum")',
                                                           "r = recon_x.clamp(1e-12, 1 - 1e-7)\n    bce = -(x * torch.log(r) + (1 - x) * torch.log1p(-r)).sum()"),)),
    Alternative("KL from torch.distributions", (Edit("vae_loss", "kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())",
                                                     "q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))\n"
                                                     "    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))\n"
                                                     "    kl = torch.distributions.kl_divergence(q, p).sum()"),)),
    Alternative("ConvVAE with explicit layers and F.relu", (whole_cell("ConvVAE", CONV_VAE_EXPLICIT),)),
    Alternative("VAE from nn.Sequential blocks", (whole_cell("VAE", VAE_SEQUENTIAL),)),
    Alternative("loaders with Compose and keyword arguments", (Edit("make_cifar10_loaders", "to_tensor = transforms.ToTensor()",
                                                                    "to_tensor = transforms.Compose([transforms.ToTensor()])"),
                                                               Edit("make_cifar10_loaders", "batch_size=batch_size, shuffle=False)",
                                                                    "batch_size=batch_size, shuffle=False, num_workers=0, drop_last=False)"))),
    Alternative("interpolation with torch.lerp", (Edit("interpolate", "z = (1 - weights) * mu[0] + weights * mu[1]",
                                                       "z = torch.lerp(mu[0].expand(num_steps, -1), mu[1].expand(num_steps, -1), weights)"),)),
    Alternative("interpolation one frame at a time", (Edit("interpolate", "        return vae.decode(z)",
                                                           "        return torch.cat([vae.decode(point.unsqueeze(0)) for point in z])"),)),
    Alternative("FFHQ with os.walk and read_image", (whole_cell("FFHQDataset", FFHQ_READ_IMAGE_OS_WALK),)),
    Alternative("sampling under inference_mode", (Edit("sample_images", "with torch.no_grad():", "with torch.inference_mode():"),)),
    # forms that valid Python takes in notebooks (issue 12): extraction must never change them
    Alternative("a comment ending in a question mark", (Edit("reparameterize", "std = torch.exp(0.5 * logvar)",
                                                             "std = torch.exp(0.5 * logvar)  # is this the std?"),)),
    Alternative("a docstring ending in a question mark", (Edit("vae_loss", '"""Reconstruction (BCE, summed) plus KL(N(mu, exp(logvar)) || N(0, I)) (summed)."""',
                                                               '"""What does the ELBO cost for this batch?"""'),)),
    Alternative("'%' and '!=' starting continuation lines", (Edit("ConvVAE", "if image_size % 2**num_layers:",
                                                                   "if (image_size\n            % 2**num_layers\n            != 0):"),)),
    Alternative("%matplotlib inline and !pip install beside a definition", (Edit("sample_images", "def sample_images(",
                                                                                 "%matplotlib inline\n!pip install --quiet torch\nfiles = !ls\n\n\ndef sample_images("),)),
    Alternative("black-formatted multi-line expression", (Edit("vae_loss", "kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())",
                                                                "kl = -0.5 * torch.sum(\n        1\n        + logvar\n        - mu.pow(2)\n"
                                                                "        - logvar.exp()\n    )"),)),
    Alternative("CRLF line endings", (whole_cell("FFHQDataset", cell_source("FFHQDataset").replace("\n", "\r\n")),)),
    Alternative("tabs for indentation", (whole_cell("reparameterize", REPARAMETERIZE_TABS),)),
    # forms of the same behaviour that the checks must accept
    Alternative("ConvVAE with one fused Gaussian head", (whole_cell("ConvVAE", CONV_VAE_FUSED_HEAD),)),
    Alternative("VAE with one fused Gaussian head", (whole_cell("VAE", VAE_FUSED_HEAD),)),
    Alternative("samples decoded in chunks", (Edit("sample_images", "        return vae.decode(z)",
                                                   "        return torch.cat([vae.decode(chunk) for chunk in z.split(7)])"),)),
    Alternative("training loader with an explicit RandomSampler", (Edit("make_cifar10_loaders", "batch_size=batch_size, shuffle=True)",
                                                                        "batch_size=batch_size,\n"
                                                                        "                              sampler=torch.utils.data.RandomSampler(train_set))"),)),
    Alternative("eps from normal_()", (Edit("reparameterize", "eps = torch.randn_like(std)", "eps = torch.empty_like(std).normal_()"),)),
    # forms of public code (issue 22): each must be graded in the sandbox as the self-check judges it in a kernel
    Alternative("loaders with worker processes (PyTorch's CIFAR-10 tutorial)", (
        Edit("make_cifar10_loaders", "batch_size=batch_size, shuffle=True)", "batch_size=batch_size, shuffle=True, num_workers=2)"),
        Edit("make_cifar10_loaders", "batch_size=batch_size, shuffle=False)",
             "batch_size=batch_size, shuffle=False, num_workers=2,\n                             persistent_workers=True)"))),
    Alternative("a transform beside the function", (
        Edit("make_cifar10_loaders", "\n\ndef make_cifar10_loaders(", "\nTRANSFORM = transforms.Compose([transforms.ToTensor()])\n\n\n"
                                                                    "def make_cifar10_loaders("),
        Edit("make_cifar10_loaders", "to_tensor = transforms.ToTensor()", "to_tensor = TRANSFORM"))),
    Alternative("a loss module beside vae_loss (pytorch-beginner)", (
        Edit("vae_loss", "def vae_loss(", "reconstruction_function = nn.BCELoss(reduction='sum')\n\n\ndef vae_loss("),
        Edit("vae_loss", 'bce = F.binary_cross_entropy(recon_x, x, reduction="sum")', "bce = reconstruction_function(recon_x, x)"))),
    Alternative("legacy size_average=False and in-place KL (early pytorch/examples)", (
        Edit("vae_loss", "def vae_loss(", "reconstruction_function = nn.BCELoss(size_average=False)\n\n\ndef vae_loss("),
        Edit("vae_loss", 'bce = F.binary_cross_entropy(recon_x, x, reduction="sum")', "bce = reconstruction_function(recon_x, x)"),
        Edit("vae_loss", "kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())",
             "kld_element = mu.pow(2).add_(logvar.exp()).mul_(-1).add_(1).add_(logvar)\n    kl = torch.sum(kld_element).mul_(-0.5)"))),
    Alternative("Variable and .data (early pytorch/examples)", (
        Edit("reparameterize", "def reparameterize(", "from torch.autograd import Variable\n\n\ndef reparameterize("),
        Edit("reparameterize", "std = torch.exp(0.5 * logvar)\n    eps = torch.randn_like(std)\n    return mu + eps * std",
             "std = logvar.mul(0.5).exp_()\n    eps = Variable(std.data.new(std.size()).normal_())\n    return eps.mul(std).add_(mu)"))),
    Alternative("F.sigmoid in the decoder", (Edit("VAE", "torch.sigmoid(self.fc4(h))", "F.sigmoid(self.fc4(h))"),)),
    Alternative("encode returning a list", (Edit("VAE", "        return self.fc_mu(h), self.fc_logvar(h)",
                                                 "        return [self.fc_mu(h), self.fc_logvar(h)]"),)),
    Alternative("a lookup table of activations beside the class", (
        Edit("VAE", "class VAE(nn.Module):", "ACTIVATIONS = {'relu': nn.ReLU(), 'sigmoid': nn.Sigmoid()}\n\n\nclass VAE(nn.Module):"),
        Edit("VAE", "torch.sigmoid(self.fc4(h))", "ACTIVATIONS['sigmoid'](self.fc4(h))"))),
    Alternative("ConvVAE decoder opening with nn.Unflatten", (
        Edit("ConvVAE", "self.fc_decode = nn.Sequential(nn.Linear(latent_dim, features), nn.ReLU())",
             "self.fc_decode = nn.Sequential(nn.Linear(latent_dim, features), nn.ReLU(), nn.Unflatten(1, self.feature_shape))"),
        Edit("ConvVAE", "h = self.fc_decode(z).view(len(z), *self.feature_shape)", "h = self.fc_decode(z)"))),
    Alternative("paths sorted as strings from glob", (
        Edit("FFHQDataset", "from PIL import Image", "import glob\nimport os\n\nfrom PIL import Image"),
        Edit("FFHQDataset", 'sorted(Path(root).rglob("*.png"))', 'sorted(glob.glob(os.path.join(root, "**", "*.png"), recursive=True))'))),
    Alternative("sampling under a @torch.no_grad() decorator", (
        Edit("sample_images", "def sample_images(", "@torch.no_grad()\ndef sample_images("),
        Edit("sample_images", "    with torch.no_grad():\n        z = torch.randn(num_samples, vae.latent_dim, device=device)\n"
                              "        return vae.decode(z)",
             "    z = torch.randn(num_samples, vae.latent_dim, device=device)\n    return vae.decode(z)"))),
    Alternative("a seed at the top of the cell", (Edit("interpolate", "def interpolate(", "torch.manual_seed(0)\n\n\ndef interpolate("),)),
    # train_epoch: loop idioms (issue 21: graded by replaying the epoch, so any loop that trains alike passes)
    Alternative("train_epoch in pytorch/examples style", (whole_cell("train_epoch", TRAIN_EPOCH_EXAMPLES_STYLE),)),
    Alternative("train_epoch with a tensor total and model.zero_grad", (whole_cell("train_epoch", TRAIN_EPOCH_TENSOR_TOTAL),)),
    Alternative("train_epoch with zero_grad at the end of each step and float(loss)", (
        Edit("train_epoch", "        optimizer.zero_grad()\n", ""),
        Edit("train_epoch", "        optimizer.step()\n", "        optimizer.step()\n        optimizer.zero_grad()\n"),
        Edit("train_epoch", "total += loss.item()", "total += float(loss)"))),
]
