"""``python -m autograder.sandbox.confine ARCH [--serving]``: print the seccomp filter as libseccomp reads it."""
import sys

from autograder.sandbox.confine import seccomp

print(seccomp.readable(sys.argv[1], serving="--serving" in sys.argv[2:]), end="")
