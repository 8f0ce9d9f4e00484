"""The web: the WSGI app served by Twisted, the Atom feeds, the HTML pages and their read
models, the side-by-side comparison and ``/metrics``. Reads the store; writes nothing."""
