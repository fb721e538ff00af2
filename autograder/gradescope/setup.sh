#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder image; the zip is unzipped into
# /autograder/source. It makes a virtual environment (/autograder/venv, which run_autograder
# uses) with the Python requirements.lock was made for, and installs exactly the lock's versions,
# the student's own.
#
# CPU-only PyTorch: the lock's torch is the CUDA build, which brings about 4.9 GB of CUDA
# libraries a grader never uses. When TORCH_INDEX_URL names PyTorch's CPU wheel index (the
# --index-url of the pip command that PyTorch's "Get Started" install selector shows for Linux,
# pip, CPU), torch and torchvision come from there at the lock's versions and the lock's CUDA
# packages are left out. `python -m autograder bundle --torch-index-url URL` writes it into gradescope.env.
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
source="$root/source"
if [ -f "$source/gradescope.env" ]; then . "$source/gradescope.env"; fi
python_min="3.11.5"  # pyproject's requires-python: the oldest Python every locked package installs on
series="${python_min%.*}"
python="${PYTHON:-python$series}"
venv="$root/venv"

new_enough() { "$1" -c "import sys; sys.exit(sys.version_info[:3] < ($(tr . , <<< "$python_min")))" 2>/dev/null; }
if ! new_enough "$python"; then
    # Ubuntu's own python3.11 may be older (22.04 has 3.11.0): fetch a standalone build with uv,
    # outside any home folder so that the worker can drop to nobody and still run it.
    echo "no Python >= $python_min as $python: installing Python $series with uv" >&2
    PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet uv
    export UV_PYTHON_INSTALL_DIR=/opt/python
    python3 -m uv python install "$series"
    python=$(python3 -m uv python find "$series")
    new_enough "$python" || { echo "uv found $python, older than $python_min" >&2; exit 1; }
fi
"$python" -m venv "$venv"
install=("$venv/bin/python" -m pip install --quiet --no-cache-dir)
if [ -n "${TORCH_INDEX_URL:-}" ]; then
    mapfile -t torch_pins < <(grep -E '^(torch|torchvision)==' "$source/requirements.lock")
    "${install[@]}" --index-url "$TORCH_INDEX_URL" "${torch_pins[@]}"
    # the CPU build satisfies the lock's torch==X (a local label such as +cpu matches); drop what only CUDA needs
    grep -v -E '^(nvidia-|cuda-|triton==)' "$source/requirements.lock" > "$root/requirements-cpu.lock"
    "${install[@]}" -r "$root/requirements-cpu.lock"
else
    "${install[@]}" -r "$source/requirements.lock"
fi
# The hidden checks stay readable by the grader (root) only; student code runs as nobody.
chmod -R go-rwx "$source/autograder/hidden"
