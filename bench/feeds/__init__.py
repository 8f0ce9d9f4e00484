"""The feeds and the web view with many stored change events: ``python -m bench.feeds``.

Two populations in one embedded Redis, under two key prefixes: one with
:data:`SMALL` change events and one with :data:`LARGE`, each spread over the same number of
articles and sources, recorded through :meth:`crawler.store.articles.ArticleStore.record` as
workers record them. Every request is then served by redline's WSGI application
(:class:`crawler.web.app.WebApp`, called in process: the cost of reading Redis and rendering,
not of the HTTP server), interleaved between the two populations, and the medians are
compared: a feed page must cost the same however many events are stored.
"""
