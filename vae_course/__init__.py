"""vae-course: a Variational Autoencoder assignment with reference solutions and an autograder.

The graded code (``reparameterize``, ``vae_loss``, ``VAE``, ``ConvVAE``, ``train_epoch``, ...)
lives in the notebooks under ``solutions/`` and ``course/``; this package holds what the notebooks
import: settings, data preparation, the epoch driver around the student's ``train_epoch`` and
figures. ``vae_course.train`` is the reference trainer, which trains a notebook's own
definitions. Nothing here imports the grader; repository tooling is ``course_tools``.
"""
