"""Timing allowances for tests on a shared, loaded machine."""

# How long an in-process report may take to commit before the core answers "still saving".
TEST_COMMIT_WAIT = 30.0
