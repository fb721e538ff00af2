"""Datasets of the course: real loaders' on-disk formats, fixtures and offline stand-ins.

Each module writes small data in the exact on-disk format of an upstream dataset, so that
the very loading code a student writes for the real data (``torchvision.datasets.CIFAR10``,
``torchvision.datasets.MNIST``, a folder-of-PNGs ``Dataset`` for FFHQ) runs unchanged on
tests and offline. Stand-ins are built from real images that installed packages ship and
are always labelled as what they are, never as the dataset whose format they borrow.
:mod:`vae_course.data.sources` picks the real data when present or downloadable, else a
stand-in; :mod:`vae_course.data.splits` loads a dataset's training and test sets for the
trainer and records whether they are a stand-in.
"""
