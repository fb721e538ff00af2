"""The reference trainer (``python -m vae_course train`` and the demo), apart from what the notebook imports.

It trains a notebook's own definitions, ``train_epoch`` included, and adds checkpoints, seeds,
``torchrun`` processes, the CUDA compute format and figures; nothing here is a graded part.
"""
