"""Redis benchmark: memory per tracked article, and the cost of the clock's scheduling step.

Run with ``python -m bench.redis``; it starts an embedded Redis of its own, as redline runs
it (:class:`scheduler.embedded.EmbeddedRedis`, in a temporary directory), and stops it at
the end.

1. **Memory per tracked article.** A population of articles (10,000 by default) is tracked
   and checked through redline's own store, round by round, as workers would record the
   checks (:mod:`bench.redis.population`): the first version of a typical article
   (:mod:`bench.redis.article`), a ``304 Not Modified``, two small edits, and an unchanged
   check at the end of the stability window that makes every article stable. Every key is
   weighed with ``MEMORY USAGE`` after the second check (active, one version), after the
   edits (active, three versions) and at the end (stable, three versions), and summed by
   kind of key (:mod:`bench.redis.memory`); ``used_memory`` growth is reported alongside.
   Then the stable articles' hashes are rewritten in other layouts and weighed again
   (:mod:`bench.redis.layouts`), and the stored versions' compression is measured as
   redline stores them and in other ways, on the generated article and on real news
   articles (:mod:`bench.redis.compression`).
2. **The clock's step.** Lock renewal and :meth:`scheduler.clock.Clock.tick` against a
   schedule of 10,000, 100,000 and 1,000,000 ids of which a fixed number are due, timed
   over repeated steps (:mod:`bench.redis.tick`).

The targets the figures are checked against (:mod:`bench.redis.report`): at most 1 KiB of
metadata per stable article, and stored versions compressed at least 3:1.
"""
