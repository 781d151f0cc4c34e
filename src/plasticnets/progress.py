"""Periodic progress lines with an ETA, written to the log (stderr) so every rule's log shows them."""

from __future__ import annotations

import logging
import time

log = logging.getLogger("plasticnets.progress")


class Progress:
    """Log ``done/total`` with percentage, elapsed time and a linear ETA.

    Lines are rate-limited to one per ``every_s`` seconds (the last one always
    prints), so long runs stay readable in a log file.
    """

    def __init__(self, label: str, total: int, unit: str = "steps", every_s: float = 5.0, start: int = 0):
        """``start``: units done before this process (a resumed run); the ETA uses this process's rate only."""
        self.label, self.total, self.unit, self.every_s = label, max(int(total), 1), unit, every_s
        self.start = time.perf_counter()
        self.first = int(start)
        self._last_print = -float("inf")

    def update(self, done: int, note: str = "") -> None:
        now = time.perf_counter()
        if done < self.total and now - self._last_print < self.every_s:
            return
        self._last_print = now
        elapsed = now - self.start
        done_here = done - self.first
        eta = elapsed / done_here * (self.total - done) if done_here > 0 else float("nan")
        log.info(
            "%s: %s/%s %s (%.0f%%), elapsed %s, ETA %s%s",
            self.label, f"{done:,}", f"{self.total:,}", self.unit, 100 * done / self.total,
            _fmt(elapsed), _fmt(eta), f", {note}" if note else "",
        )


def _fmt(seconds: float) -> str:
    if seconds != seconds:  # NaN
        return "?"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"
