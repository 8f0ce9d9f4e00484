"""Child processes of a benchmark run: started with the run's environment, logged to one
file, and always stopped (SIGTERM, then SIGKILL after a grace period)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

GRACE = 30.0
"""Seconds a child gets to stop after SIGTERM."""


class Children:
    """The processes a run started.

    Args:
        log: The file their output goes to (appended).
    """

    def __init__(self, log: Path) -> None:
        self.log = log
        self.running: list[subprocess.Popen[bytes]] = []

    def python(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """Starts ``python ARGS...`` with this environment plus ``env``."""
        with self.log.open("ab") as out:
            child = subprocess.Popen(
                [sys.executable, *args],
                env={**os.environ, **(env or {})},
                stdout=subprocess.DEVNULL,
                stderr=out,
            )
        self.running.append(child)
        return child

    def stop(self, child: subprocess.Popen[bytes]) -> None:
        """Stops one child and waits for it."""
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(GRACE)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.running.remove(child)

    def stop_all(self) -> None:
        """Stops every child still running, the last started first."""
        for child in reversed(list(self.running)):
            self.stop(child)
