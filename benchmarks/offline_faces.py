"""Task 3 offline, as the notebook runs it on a CPU: the face model trained on the stand-in.

Trains the reference solution's face model (``ConvVAE(hidden_dim=32, latent_dim=128,
num_layers=4, image_size=128)``) with its ``train_epoch`` and ``vae_loss`` through
``fit_resumable`` at the notebook's CPU defaults (``Settings``: epochs, 140 batches of 32 an
epoch, Adam 1e-3) on the FFHQ stand-in (100 LFW faces, 86 train), on one thread. Prints the
measured CPU time beside the one the notebook's appendix promises for these ten epochs
(images per epoch divided by the per-core rate ``benchmarks/model_costs.py`` measures), and
saves samples, validation faces and their reconstructions as a PNG: what a student sees offline.

    PYTHONPATH=. python benchmarks/offline_faces.py [--out DIR] [--epochs N]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Subset

from benchmarks.model_costs import cpu_images_per_second, duration
from vae_course import plots
from vae_course.data.ffhq import ffhq_split_sizes, write_ffhq_standin
from vae_course.notebook_code import load_definitions
from vae_course.settings import Settings
from vae_course.train.config import REFERENCE_NOTEBOOK
from vae_course.training import fit_resumable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/offline_faces"), help="where the figure goes")
    parser.add_argument("--epochs", type=int, default=None, help="default: the notebook's")
    args = parser.parse_args()
    torch.set_num_threads(1)
    course, definitions = Settings(), load_definitions(REFERENCE_NOTEBOOK)
    epochs = args.epochs or course.epochs
    steps = course.face_steps("cpu")
    with tempfile.TemporaryDirectory() as data:
        faces = definitions["FFHQDataset"](write_ffhq_standin(Path(data) / "ffhq"))
        n_train, n_val = ffhq_split_sizes(len(faces))
        train, val = Subset(faces, range(n_train)), Subset(faces, range(n_train, n_train + n_val))

        def face_model() -> torch.nn.Module:
            return definitions["ConvVAE"](hidden_dim=course.face_hidden_dim("cpu"),
                                          latent_dim=course.face_latent_dim, num_layers=4, image_size=128)

        rate = cpu_images_per_second(face_model(), definitions["vae_loss"], (3, 128, 128), 3)
        torch.manual_seed(course.seed)
        model = face_model()
        start = time.process_time()
        fit_resumable(model, definitions["train_epoch"], DataLoader(train, batch_size=course.batch_size, shuffle=True),
                      DataLoader(val, batch_size=course.batch_size), definitions["vae_loss"], torch.device("cpu"),
                      epochs=epochs, checkpoint=Path(data) / "faces.pt", max_steps=steps)
        spent = time.process_time() - start
        val_faces = torch.stack([val[i] for i in range(min(8, len(val)))])
        model.eval()
        with torch.no_grad():
            torch.manual_seed(course.seed)
            samples = model.decode(torch.randn(len(val_faces), course.face_latent_dim))
            reconstructions = model(val_faces)[0]
    figure = plots.save_image_grid(torch.cat([samples, val_faces, reconstructions]), args.out / "offline_faces.png",
                                   nrow=len(val_faces), title=f"stand-in, {epochs} CPU epochs: samples (top), "
                                   "validation faces, their reconstructions")
    promised = epochs * steps * course.batch_size / rate
    print(f"{epochs} epochs of {steps} batches on the stand-in ({n_train} training faces), one CPU thread:")
    print(f"  measured {duration(spent)} of CPU time; the appendix's estimate from the rate measured now "
          f"({rate:.1f} images/s): {duration(promised)}; ratio {spent / promised:.2f}")
    print(f"  {figure}")


if __name__ == "__main__":
    main()
