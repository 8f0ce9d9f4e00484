"""A local newsroom: a news-site simulator on 127.0.0.1, for ``redline demo``, the tests
and the benchmarks.

It serves N articles (:mod:`scheduler.newsroom.story`) over several sites in different
layouts (:mod:`scheduler.newsroom.layouts`, and as many generated ones as there are seeds:
:mod:`scheduler.newsroom.generated`), with boilerplate that churns on every request, true
edits on a known timeline, optional faults and conditional GET
(:mod:`scheduler.newsroom.server`). The benchmarks score redline's change events against
that ground truth (:mod:`bench.newsroom.score`).
"""
