"""Extraction: an HTML page in, the article it shows out (decoding, the paragraphs a reader
sees, clutter, the source's rules, structured data, the general extractor, discovery
listings). Pure: imports only :mod:`crawler.domain`."""
