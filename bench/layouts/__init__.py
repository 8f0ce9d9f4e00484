"""Redline's checks on generated layouts (``python -m bench.layouts``)."""
