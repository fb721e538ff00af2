#!/usr/bin/env bash
# One entry point for people and CI:
#   bash run.sh main   grade the reference solutions and run the offline demo (writes out/)
#   bash run.sh test   run the test suite
#   bash run.sh python ARGS...   run the project's Python (after setup)
# main and test need the repository's solutions/ and tests/; the student bundle has only python.
# The first call builds a virtual environment from requirements.lock outside the clone,
# keyed by a hash of the lock file, so later runs and later clones reuse it.
# It stays in the caller's directory, so relative paths in ARGS mean what the caller meant.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ -d "$repo/solutions" ] && [ -d "$repo/tests" ]; then commands="main|test|python"; else commands="python"; fi
if [[ ! "${1:-}" =~ ^($commands)$ ]]; then
    echo "usage: bash run.sh {$commands} [ARGS...]" >&2
    [ "$commands" = python ] && echo "(this is the student bundle: see README.md)" >&2
    exit 2
fi

cache="${VAE_COURSE_CACHE:-$HOME/.cache/vae-course}"
python_bin="${PYTHON:-python3}"
key=$( (cat "$repo/requirements.lock"; "$python_bin" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-12)
venv="$cache/venv-$key"

if [ ! -f "$venv/.complete" ]; then
    echo "setting up $venv (first run only; torch is large)" >&2
    rm -rf "$venv"
    mkdir -p "$cache"
    "$python_bin" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -r "$repo/requirements.lock"
    touch "$venv/.complete"
fi

export PATH="$venv/bin:$PATH"
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"
# No MPLBACKEND here: Jupyter kernels started from this shell keep their inline backend (figures
# show in the notebook), and headless scripts fall back to Agg on their own.

cmd="${1:-}"
shift || true
case "$cmd" in
    main)
        cd "$repo"  # writes out/ in the repository
        exec python -m course_tools main "$@" ;;
    test)
        # pytest runs in the repository (its configuration and testpaths apply there); test paths
        # given relative to the caller's directory are made absolute first.
        caller="$PWD"
        args=()
        for arg in "$@"; do
            if [[ "$arg" != -* && -e "$caller/${arg%%::*}" ]]; then args+=("$caller/$arg"); else args+=("$arg"); fi
        done
        cd "$repo"
        exec python -m pytest ${args[@]+"${args[@]}"} ;;
    python)
        exec python "$@" ;;
esac
