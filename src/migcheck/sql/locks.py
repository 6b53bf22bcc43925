"""PostgreSQL table lock levels, ordered by strength, and what each one blocks."""

from __future__ import annotations

import enum


class Lock(enum.IntEnum):
    """A table-level lock mode; ``a > b`` means *a conflicts with more than b*."""

    NONE = 0
    ACCESS_SHARE = 1
    ROW_SHARE = 2
    ROW_EXCLUSIVE = 3
    SHARE_UPDATE_EXCLUSIVE = 4
    SHARE = 5
    SHARE_ROW_EXCLUSIVE = 6
    EXCLUSIVE = 7
    ACCESS_EXCLUSIVE = 8

    @property
    def label(self) -> str:
        """The mode as PostgreSQL spells it (``ACCESS EXCLUSIVE``)."""
        return self.name.replace("_", " ")

    @property
    def blocks(self) -> str:
        """What application traffic waits while this lock is held (or queued)."""
        if self is Lock.ACCESS_EXCLUSIVE:
            return "all reads and writes"
        if self >= Lock.SHARE:
            return "all writes (INSERT, UPDATE, DELETE)"
        if self is Lock.SHARE_UPDATE_EXCLUSIVE:
            return "other schema changes and VACUUM, but not reads or writes"
        return "only conflicting schema changes"

    @property
    def strong(self) -> bool:
        """True when the lock blocks ordinary writes (SHARE and above)."""
        return self >= Lock.SHARE

    @classmethod
    def from_lock_mode(cls, mode: int) -> Lock:
        """Map LockStmt's numeric mode (1 = ACCESS SHARE … 8 = ACCESS EXCLUSIVE)."""
        return cls(mode) if 1 <= mode <= 8 else cls.ACCESS_EXCLUSIVE
