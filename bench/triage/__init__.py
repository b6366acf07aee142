"""``python -m bench.triage``: the cost of triage from the words (spec 8.1)."""
