"""Benchmarks of redline's components on recorded real-world pages."""
