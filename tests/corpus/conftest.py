"""The corpus builds its submissions with the helpers of tests/autograder, and imports its own modules."""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "autograder")]
