"""Hidden checks: run by the grader only, never shipped to students."""
