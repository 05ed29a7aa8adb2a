"""A one-line progress display for long work in commands (stderr, so stdout stays clean)."""

from __future__ import annotations

import sys
from typing import TextIO


class ProgressLine:
    """Redraws "label [####......]  42%  12.0/28.5 s" in place on a terminal."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 24) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self._last = -1

    def __call__(self, done: float, total: float) -> None:
        fraction = min(max(done / total, 0.0), 1.0) if total > 0 else 0.0
        percent = int(fraction * 100)
        if percent == self._last:
            return
        self._last = percent
        filled = int(fraction * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        end = "\r" if self.stream.isatty() else "\n"
        self.stream.write(f"{self.label} [{bar}] {percent:3d}%  {done:.1f}/{total:.1f} s{end}")
        self.stream.flush()

    def finish(self, message: str) -> None:
        self.stream.write(f"{self.label}: {message}\n")
        self.stream.flush()
