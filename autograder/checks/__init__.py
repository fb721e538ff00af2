"""The public checks of the VAE assignment, one module per part; they ship to students.

Each module registers its checks with ``autograder.framework.registry.check``; the hidden twins live
in ``autograder/hidden/``. The folder decides what is public, not a flag. May import the framework,
the sandbox's lent objects and the assignment's fixtures and recorded values; never ``hidden``.
"""
