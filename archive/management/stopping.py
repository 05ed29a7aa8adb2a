"""Termination signals for long commands: stop as Ctrl-C does, so the work in hand is tidied.

A supervisor (systemd, a container runtime, a closed terminal) sends SIGTERM
or SIGHUP; raised as KeyboardInterrupt where the command is, the same
clean-up that Ctrl-C runs removes a half-stored recording or import row.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ProcessStopped", "stopped_by_signals"]


class ProcessStopped(KeyboardInterrupt):
    """A termination signal, raised where the command is, so it can tidy up."""


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise ProcessStopped inside the block; the old handlers come back."""

    def stop(signum: int, frame: object) -> None:
        raise ProcessStopped(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
