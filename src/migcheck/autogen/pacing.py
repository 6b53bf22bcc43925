"""How fast a batched data move goes: short batches, and a rest after each one.

A batch of a backfill or a copy holds the row locks of the rows it writes until it commits, so
an application ``UPDATE`` of one of them waits for at most one batch. The batch size adapts to
keep each batch near ``TARGET_SECONDS``: halved after a slow batch, doubled again after a quick
one, never above the configured size.

The rest after each batch, as long as the batch took (``REST_RATIO``), bounds the move's share of
the server. Measured with ``bench/zero_downtime.py`` at 1,000,000 rows: without it the move
writes WAL as fast as one backend can, the server's WAL buffers fill up, and whenever a new WAL
segment is created every backend that writes WAL, or evicts a dirty page, waits on the
``WALWrite`` lock (plain ``SELECT`` s by key waited 30-40 ms); with it they do not.

Offline (``--sql``) the ``DO`` blocks do the same with ``clock_timestamp()`` and ``pg_sleep``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

#: the time a batch should take; a batch that holds its row locks longer halves the next one
TARGET_SECONDS = 0.02
#: the smallest batch the adaptive sizing goes down to
MIN_BATCH = 10
#: the rest after each batch, as a multiple of the batch's own time
REST_RATIO = 1.0


@dataclass
class Pacer:
    """The size of the next batch and the rest after the last one.

    ``largest`` is the configured batch size; ``pause``, when given, is a fixed rest in seconds
    that replaces the proportional one.
    """

    largest: int
    pause: float | None = None

    def __post_init__(self) -> None:
        self.size = self.largest
        self.sizes: list[int] = []

    def done(self, seconds: float) -> float:
        """Record a batch of ``self.size`` rows that took ``seconds``; returns the rest to take.

        The next batch is halved after a slow batch and doubled after a quick one.
        """
        self.sizes.append(self.size)
        if seconds > TARGET_SECONDS:
            self.size = max(MIN_BATCH, self.size // 2)
        elif seconds < TARGET_SECONDS / 2:
            self.size = min(self.largest, self.size * 2)
        return self.pause if self.pause is not None else seconds * REST_RATIO

    def rest(self, seconds: float) -> None:
        """Sleep ``seconds`` (the value :meth:`done` returned)."""
        if seconds > 0:
            time.sleep(seconds)


def plpgsql_declarations() -> str:
    """The ``DECLARE`` lines the offline pacing of :func:`plpgsql_pacing` uses."""
    return "    migcheck_size int;\n    migcheck_started timestamptz;\n    migcheck_took float8;\n"


def plpgsql_pacing(largest: int, pause: float | None) -> str:
    """PL/pgSQL run after each batch's ``COMMIT``: adapt ``migcheck_size``, then rest.

    ``migcheck_started`` must be set to ``clock_timestamp()`` when the batch begins (the
    variables are prefixed so that no column of the user's table shadows them).
    """
    rest = f"{float(pause)}" if pause is not None else f"migcheck_took * {REST_RATIO}"
    return (
        "migcheck_took := extract(epoch FROM clock_timestamp() - migcheck_started);\n"
        f"        IF migcheck_took > {TARGET_SECONDS} THEN\n"
        f"            migcheck_size := greatest({MIN_BATCH}, migcheck_size / 2);\n"
        f"        ELSIF migcheck_took < {TARGET_SECONDS / 2} THEN\n"
        f"            migcheck_size := least({largest}, migcheck_size * 2);\n"
        "        END IF;\n"
        f"        PERFORM pg_sleep({rest});"
    )
