"""Accuracy benchmark: redline (clock and worker processes) watches a local newsroom that
edits its articles, with faults on if asked, and its change events are scored against the
newsroom's ground truth (see :mod:`bench.newsroom.score`)."""
