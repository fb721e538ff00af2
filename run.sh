#!/usr/bin/env bash
# One entry point for people and CI (run.py is the same launcher, for Windows and anywhere without bash):
#   bash run.sh main   grade the reference solutions and run the offline demo (writes out/)
#   bash run.sh test   run the test suite
#   bash run.sh python ARGS...   run the project's Python (after setup)
# main and test need the repository's solutions/ and tests/; the student bundle has only python.
# The first call builds a virtual environment from requirements.lock outside the clone,
# keyed by a hash of the lock file and the Python version, so later runs and later clones reuse it.
# PYTHON names the Python to build it with (python3 by default); VAE_COURSE_TORCH_INDEX_URL, PyTorch's
# CPU-only wheel index, leaves out the CUDA packages on Linux (see run.py).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VAE_COURSE_LAUNCHER="bash run.sh" exec "${PYTHON:-python3}" "$repo/run.py" "$@"
