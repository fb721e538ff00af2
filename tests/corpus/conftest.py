"""The corpora (variants, mistakes, alternatives, hostile) and the tests that run them import each other."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
