#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder image.
# The package is unzipped into /autograder/source; install exactly the student's versions.
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
python="${PYTHON:-python3}"
"$python" -m pip install --quiet -r "$root/source/requirements.lock"
# The hidden checks stay readable by the grader (root) only; student code runs as nobody.
chmod -R go-rwx "$root/source/autograder/hidden"
