"""``python -m autograder.sandbox.confine ARCH [--serving]``: print the seccomp filter as libseccomp reads it."""
import sys

from autograder.sandbox.confine import seccomp

if __name__ == "__main__":  # imported by the bundle-leak scan, which must not run it
    print(seccomp.readable(sys.argv[1], serving="--serving" in sys.argv[2:]), end="")
