"""The local newsroom (:mod:`scheduler.newsroom`) as a benchmark: run it on its own
(``python -m bench.newsroom``) and score redline's change events against its ground truth
(:mod:`bench.newsroom.score`)."""
