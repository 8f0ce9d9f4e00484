"""Redline's spiders."""
