"""Redline's control side: settings, the recheck policy, the clock, the service and the CLI."""
