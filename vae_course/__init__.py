"""vae-course: a Variational Autoencoder assignment with reference solutions and an autograder.

The graded code (``reparameterize``, ``vae_loss``, ``VAE``, ``ConvVAE``, ...) lives in the
notebooks under ``solutions/`` and ``course/``; this package holds what the notebooks share:
settings, data preparation, the training loop and figures.
"""
