"""A local newsroom: a news-site simulator on 127.0.0.1 for benchmarks, demos and tests.

It serves N articles (:mod:`bench.newsroom.story`) over several sites in different layouts
(:mod:`bench.newsroom.layouts`), with boilerplate that churns on every request, true edits
on a known timeline, optional faults and conditional GET (:mod:`bench.newsroom.server`),
and scores redline's change events against that ground truth (:mod:`bench.newsroom.score`).
"""
