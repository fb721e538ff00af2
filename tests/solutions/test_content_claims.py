"""Do the numbers the notebook teaches come from the code? Each test computes a claim of the solution
notebook (the model answers, the face model's size, the appendix's cost table) and finds it in the text,
so that a change to the models or the settings that makes the text false fails here."""
from __future__ import annotations

import math
import re

import nbformat
import pytest
import torch
from torch import nn

from benchmarks.model_costs import (SWEEP_BATCH, SWEEP_STEPS, Cost, cost_table, counted, cpu_run_seconds, cpu_runs,
                                    duration, rates_in_table, settings_of_the_notebook, training_flops_per_image,
                                    whole_run_sentence)
from course_tools.course_build import SOLUTIONS
from vae_course.settings import Settings

CELLS = {c.get("id"): c.source for c in nbformat.read(SOLUTIONS / "vae" / "vae.ipynb", as_version=4).cells}
COURSE = Settings()


def _parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _linear(model: nn.Module) -> int:
    """Parameters in the model's dense layers: the two heads and the decoder's first layer."""
    return sum(_parameters(m) for m in model.modules() if isinstance(m, nn.Linear))


def _on_meta(reference, **kwargs) -> nn.Module:
    with torch.device("meta"):
        return reference["ConvVAE"](**kwargs)


def _millions(n: int) -> str:
    return f"{n / 1e6:.2f} M"


def test_the_full_size_convvae_keeps_its_parameters_in_the_widest_convolutions(reference):
    """ConvVAE() at width 400: 3% in the linear layers, 78% in the two 800 <-> 1,600-channel convolutions."""
    model = _on_meta(reference)
    total = _parameters(model)
    widest = sum(_parameters(m) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))
                 and {m.in_channels, m.out_channels} == {800, 1600})
    linear = _linear(model)
    assert (round(total / 1e6, 1), round(linear / 1e6, 2), round(widest / 1e6, 2)) == (52.8, 1.56, 40.96)
    answer = CELLS["comparison"]
    assert f"{_millions(total)} parameters" in answer
    assert f"linear layers hold\n{_millions(linear)} ({linear / total:.0%})" in answer
    assert f"{_millions(widest)} ({widest / total:.0%})" in answer
    assert "mostly in the widest layers and the linear heads" not in answer


def test_dense_layers_grow_with_the_image_and_convolution_weights_do_not(reference):
    """At width 32: 124,968 dense parameters at 32x32, 16 times as many at 128x128, the same convolutions."""
    small, large = (_on_meta(reference, hidden_dim=32, image_size=size) for size in (32, 128))
    face = _on_meta(reference, hidden_dim=32, latent_dim=COURSE.face_latent_dim, num_layers=4, image_size=128)
    conv_small, conv_large = (_parameters(m) - _linear(m) for m in (small, large))
    assert conv_small == conv_large
    biases = 2 * 20  # the heads' biases do not grow with the image
    assert _linear(large) - biases == 16 * (_linear(small) - biases)
    answer = CELLS["comparison"]
    assert f"{_parameters(small):,} parameters, {_linear(small):,} of them\nin the linear layers" in answer
    assert f"{_linear(large):,} in the\nlinear layers and the same {conv_small:,} convolution weights" in answer
    assert f"has {_millions(_linear(face))[:-2]} M of its {_millions(_parameters(face))} in them" in answer
    assert (_linear(small), round(_linear(face) / 1e6, 1)) == (124968, 6.3)


def test_unused_latent_dimensions_cost_parameters_not_flops(reference):
    """The face model at width 64: 7.51 M parameters with 20 latents, 18.13 M with 128, FLOPs +1.3%."""
    faces = {latents: _on_meta(reference, hidden_dim=COURSE.full_face_hidden_dim, latent_dim=latents, num_layers=4,
                               image_size=128) for latents in (20, COURSE.face_latent_dim)}
    narrow = _on_meta(reference, hidden_dim=COURSE.cpu_face_hidden_dim, latent_dim=COURSE.face_latent_dim,
                      num_layers=4, image_size=128)
    wide_20, wide_128 = (_parameters(faces[k]) for k in (20, COURSE.face_latent_dim))
    assert (_millions(wide_20), _millions(wide_128)) == ("7.51 M", "18.13 M")
    flops = {k: training_flops_per_image(model, (3, 128, 128)) for k, model in faces.items()}
    per_dim = (wide_128 - wide_20) // (COURSE.face_latent_dim - 20)
    features = 8 * COURSE.full_face_hidden_dim * (128 // 16) ** 2
    assert per_dim == 3 * features + 2
    text = CELLS["face-costs"]
    assert f"{flops[COURSE.face_latent_dim] / flops[20] - 1:.1%} more FLOP" in text
    assert f"about {round(per_dim, -3):,} parameters per\ndimension" in text
    assert f"({8 * COURSE.full_face_hidden_dim} x 8 x 8 = {features:,} values at width 64)" in text
    assert f"{_millions(wide_128)} parameters with 128 latents against {_millions(wide_20)}" in text
    assert f"linear layers hold {_linear(faces[128]) / wide_128:.0%}" in text
    assert f"({_linear(narrow) / _parameters(narrow):.0%} at width 32)" in text
    for wrong in ("Unused dimensions cost little:", "enough for what a 32x32 image"):
        assert wrong not in text


def test_the_appendix_cost_table_follows_from_the_counts_and_the_measured_rates(reference):
    """Rebuilt from the rates the notebook prints, is the appendix's table the one in the notebook, and does it
    say which rows were not measured? Its epoch times are then images / rate, and ten epochs ten times one."""
    appendix = CELLS["appendix-costs"]
    printed = "\n".join(line for line in appendix.splitlines() if line.startswith("|"))
    rates = rates_in_table(printed)
    costs = []
    for setting in settings_of_the_notebook(COURSE):
        assert setting.name in rates, f"the appendix has no row for {setting.name!r}"
        assert (rates[setting.name] is None) == (not setting.measure)
        costs.append(Cost(setting, *counted(setting, reference), rates[setting.name]))
    assert printed == cost_table(costs, COURSE.epochs)
    assert list(CELLS)[-1] == "appendix-costs" and "|---|" not in CELLS["face-costs"]
    full_face = next(c for c in costs if c.setting.name.startswith("Task 3: faces at Task 1's full width"))
    assert f"{full_face.flops / 1e9:.0f} GFLOP per training image" in appendix
    assert f"take {full_face.parameters * 16 / 2**30:.1f} GiB" in appendix


def test_duration_of_ten_epochs_is_ten_times_one():
    """The figures add up: '1.5 min each, 15 min for 10', not '2 min each, 15 min for 10'."""
    assert (duration(91.4), duration(914)) == ("1.5 min", "15 min")
    assert duration(0.5) == "< 1 s" and duration(54) == "54 s" and duration(2 * 3600) == "2.0 h"


def test_ln_n_bounds_the_information_the_text_compares_with():
    """The beta sweep's answer compares the KL with ln N for its 1,000 test digits."""
    assert f"\\ln 1000 = {math.log(1000):.1f}$ nats" in CELLS["beta-sweep"]


@pytest.mark.parametrize("cell, wrong", [
    ("theory-kl-question", "the negative ELBO, a lower bound"),
    ("theory-smoothness", "if it matched it exactly, the codes would carry no information"),
    ("comparison", "0.84 against 0.25 bits per\ndimension)"),
    ("comparison-intro", "the negative ELBO in **bits per\ndimension**"),
])
def test_the_corrected_statements_stay_corrected(cell, wrong):
    assert wrong not in CELLS[cell]


def test_section_numbers_are_unique_and_in_order():
    """Two sections once shared the number 1.7: each numbered heading appears once, in order."""
    numbers = [tuple(int(n) for n in m[1].split(".")) for source in CELLS.values()
               for m in re.finditer(r"^#{2,4} (\d+\.\d+) ", source, re.MULTILINE)]
    assert numbers and len(numbers) == len(set(numbers)) and numbers == sorted(numbers), numbers


@pytest.mark.parametrize("jargon", ["seed size", "seed's size", "Beyond the seed", "at the seed"])
def test_seed_means_only_the_random_seed(jargon):
    """"Seed" is the random seed (SETTINGS.seed); the original assignment's sizes are called that."""
    assert not [cell for cell, source in CELLS.items() if jargon in source]


def test_the_face_stand_in_split_the_text_names_is_the_code_s():
    from vae_course.data.ffhq import STANDIN_FACES, ffhq_split_sizes

    n_train, n_val = ffhq_split_sizes(STANDIN_FACES)
    assert f"holds {STANDIN_FACES} small" in CELLS["face-costs"]
    assert f"({n_train} train, {n_val} validate)" in CELLS["face-costs"].replace("\n", " ")


def test_the_whole_run_time_the_appendix_promises_follows_from_its_table():
    """The appendix's whole-run time is the training images of the notebook's runs over the table's rates."""
    appendix = CELLS["appendix-costs"]
    rates = {name: rate for name, rate in rates_in_table(appendix).items() if rate is not None}
    assert whole_run_sentence(COURSE, rates) in appendix.replace("\n", " ")
    real, offline = cpu_run_seconds(cpu_runs(COURSE), rates)
    assert offline < real  # only MNIST's stand-in is smaller than the epochs the notebook trains
    from vae_course.beta_sweep import BETAS
    from vae_course.data.mnist import STANDIN_TRAIN_PER_CLASS

    assert f"or the stand-in's {10 * STANDIN_TRAIN_PER_CLASS:,}, " in appendix.replace("\n", " ")
    assert f"the beta sweep adds {len(BETAS) * SWEEP_STEPS:,} steps of {SWEEP_BATCH} digits" in appendix.replace(
        "\n", " ")


def test_the_runs_the_whole_run_time_counts_are_the_notebook_s():
    """cpu_runs counts the beta sweep's steps and MNIST's batches as the notebook's cells set them."""
    assert f"SWEEP_STEPS = SETTINGS.max_steps or {SWEEP_STEPS}\n" in CELLS["beta-sweep-run"]
    mnist_loader = f"transform=transforms.ToTensor()),\n                         batch_size={SWEEP_BATCH},"
    assert mnist_loader in CELLS["train-compare"]
    assert "max_steps=cifar_steps)" in CELLS["train-compare"] and "max_steps=cifar_steps)" in CELLS[
        "comparison-experiment"]


def test_what_task_1_says_to_expect_offline_is_the_code_s():
    """The CPU epoch and the stand-in's size that 1.7 names are Settings' and the stand-in writer's."""
    from vae_course.data.cifar10 import STANDIN_PHOTOS, STANDIN_TEST, STANDIN_TRAIN

    text = CELLS["train-intro"].replace("\n", " ")
    assert f"each CIFAR-10 epoch is {COURSE.cpu_cifar_steps} shuffled batches" in text
    assert f"({COURSE.cpu_cifar_steps * COURSE.batch_size:,} images," in text
    assert f"holds {STANDIN_TRAIN:,} training and {STANDIN_TEST:,} test crops of {len(STANDIN_PHOTOS)} " in text


def test_the_bce_floors_the_comparison_answer_quotes_are_the_stand_ins(tmp_path):
    """The floors are properties of the test sets (not of a training run), so they are recomputed here."""
    from torchvision import datasets, transforms

    from vae_course.comparison import LN2, bce_floor
    from vae_course.data.cifar10 import accept_fixture_checksums, write_cifar10_standin
    from vae_course.data.mnist import write_mnist_standin

    write_cifar10_standin(tmp_path / "cifar10")
    write_mnist_standin(tmp_path / "mnist")
    with accept_fixture_checksums(tmp_path / "cifar10"):
        photos = datasets.CIFAR10(tmp_path / "cifar10", train=False, transform=transforms.ToTensor())
    digits = datasets.MNIST(tmp_path / "mnist", train=False, transform=transforms.ToTensor())

    def floor_bits_per_dim(data) -> float:
        images = torch.stack([image for image, _ in data])
        return bce_floor(images).mean().item() / (images[0].numel() * LN2)

    answer = CELLS["comparison"].replace("\n", " ")
    assert (f"the BCE floor of the photographs is {floor_bits_per_dim(photos):.2f} bits per dimension, that of the "
            f"nearly binary digits {floor_bits_per_dim(digits):.3f}") in answer
