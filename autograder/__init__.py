"""The vae-course autograder.

Student code runs only in a separate, limited worker process (``sandbox/worker.py``), which answers
*probes*: generic measurements such as "call reparameterize on these tensors and return z and
the gradients". The checks (``checks/``) choose the inputs, compare the answers with values
computed here, and assign points, so the score is computed by a process that never runs
student code.
"""
