"""Redline's crawl side: fetching, extraction, hashing, diffing, the Redis store and feeds."""
