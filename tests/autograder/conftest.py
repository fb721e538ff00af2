"""Tests of the autograder build their submissions with the corpus's helpers (tests/corpus: variants, mistakes,
alternatives)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "corpus"))
