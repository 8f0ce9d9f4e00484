"""Throughput benchmark: checks per second of one and two redline workers against a local
newsroom, next to the raw Scrapy fetch ceiling for the same pages (see
:mod:`bench.throughput.run`)."""
