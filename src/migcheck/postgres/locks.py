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
        """What other sessions wait for while this lock is held (or queued)."""
        return _BLOCKS[self]

    @property
    def strong(self) -> bool:
        """True when the lock blocks ordinary writes (SHARE and above)."""
        return self >= Lock.SHARE

    @property
    def pg_mode(self) -> str:
        """The mode as ``pg_locks.mode`` names it (``AccessExclusiveLock``)."""
        return "".join(word.capitalize() for word in self.name.split("_")) + "Lock"

    @classmethod
    def from_pg_mode(cls, mode: str) -> Lock:
        """The lock ``pg_locks.mode`` names (``ShareLock``); NONE for other modes."""
        return _BY_PG_MODE.get(mode, cls.NONE)

    @classmethod
    def from_lock_mode(cls, mode: int) -> Lock:
        """Map LockStmt's numeric mode (1 = ACCESS SHARE … 8 = ACCESS EXCLUSIVE)."""
        return cls(mode) if 1 <= mode <= 8 else cls.ACCESS_EXCLUSIVE


#: What each mode makes other sessions wait for: PostgreSQL's table-lock conflict table, in words.
_BLOCKS = {
    Lock.NONE: "nothing",
    Lock.ACCESS_SHARE: "only ACCESS EXCLUSIVE lockers (ALTER TABLE, DROP TABLE, VACUUM FULL)",
    Lock.ROW_SHARE: "only EXCLUSIVE and ACCESS EXCLUSIVE lockers",
    Lock.ROW_EXCLUSIVE: "CREATE INDEX and other SHARE or stronger lockers, not reads or writes",
    Lock.SHARE_UPDATE_EXCLUSIVE: "other schema changes and VACUUM, but not reads or writes",
    Lock.SHARE: "all writes (INSERT, UPDATE, DELETE)",
    Lock.SHARE_ROW_EXCLUSIVE: "all writes (INSERT, UPDATE, DELETE)",
    Lock.EXCLUSIVE: "all writes and SELECT … FOR UPDATE (plain reads still run)",
    Lock.ACCESS_EXCLUSIVE: "all reads and writes",
}

_BY_PG_MODE = {lock.pg_mode: lock for lock in Lock if lock is not Lock.NONE}
