"""Extraction benchmark: quality and stability of article extraction on real news pages.

Run with ``python -m bench.extraction``; see ``bench/README.md``.
"""
