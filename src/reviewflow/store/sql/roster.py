"""The roster's tables, and the roster as last read (reloaded when another writer changed it)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from reviewflow.domain.roster import (
    LiaisonAssignment,
    Member,
    OfficeStaff,
    Organization,
    Roster,
    RosterRecord,
)
from reviewflow.store.sql import codec
from reviewflow.store.sql.codec import LIAISON_COLUMNS, liaison_of, liaison_row
from reviewflow.store.sql.connection import Database

__all__ = ["RosterTables"]


class RosterTables:
    """The roster's tables, and the roster as last read: kept with the version its writes
    count in ``reviewflow_meta``, and read again when another writer has moved it."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._roster: Roster | None = None
        self._version = -1
        self.seen: int | None = None
        """The roster version the last review read saw: the next :meth:`current` trusts it
        instead of asking again (one round trip less per step)."""

    def current(self) -> Roster:
        """The current roster."""
        seen, self.seen = self.seen, None
        if seen is not None and seen == self._version and self._roster is not None:
            return self._roster  # as of the review just read: no need to ask again
        with self._db.read() as cur:
            return self.load(cur)

    def load(self, cur: Any) -> Roster:
        """The roster as the transaction of ``cur`` sees it."""
        version = self._version_in(cur)
        if self._roster is not None and version == self._version:
            return self._roster
        q = self._db.q
        # The organizations' and members' columns and rows are looked up on the codec module:
        # the schema tests read and write them as older versions did.
        org_columns, member_columns = ", ".join(codec.ORG_COLUMNS), ", ".join(codec.MEMBER_COLUMNS)
        orgs = [codec.org_of(r) for r in q(cur, f"SELECT {org_columns} FROM organizations")]
        members = [codec.member_of(r) for r in q(cur, f"SELECT {member_columns} FROM members")]
        links = [
            liaison_of(r) for r in q(cur, f"SELECT {', '.join(LIAISON_COLUMNS)} FROM liaisons")
        ]
        staff = [OfficeStaff(i, n) for i, n in q(cur, "SELECT id, name FROM office_staff")]
        self._roster = Roster.build(orgs, members, links, staff)
        self._version = version
        return self._roster

    def _step(self) -> int:
        """How far a write moves the roster's version: one, where the store's commit is final.
        In a host's transaction a random step: the host may roll the write back, and another
        writer's next version must not be the one this store cached from it."""
        return 1 if self._db.source.owned else 1 + secrets.randbelow(1 << 40)

    def _version_in(self, cur: Any) -> int:
        row = self._db.q(cur, "SELECT value FROM reviewflow_meta WHERE name = ?", ["roster"])
        return int(row.fetchone()[0])

    def write(self, cur: Any, records: Sequence[RosterRecord]) -> None:
        """Write ``records`` over the roster, in the transaction of ``cur``."""
        db, d = self._db, self._db.dialect
        # Take the roster lock first (serializes roster writers), then check against the roster
        # as it is now, inside the transaction.
        db.q(cur, "UPDATE reviewflow_meta SET value = value WHERE name = ?", ["roster"])
        updated = self.load(cur).with_records(records)
        orgs = [r for r in records if isinstance(r, Organization)]
        depth = {o.id: len(updated.ancestors(o.id)) for o in orgs}
        orgs.sort(key=lambda o: depth[o.id])
        # Parents first; a head may be a member added in the same change, so heads come after.
        db.many(
            cur,
            d.upsert("organizations", codec.ORG_COLUMNS, ("id",)),
            [codec.org_row(o, head=False) for o in orgs],
        )
        db.many(
            cur,
            d.upsert("members", codec.MEMBER_COLUMNS, ("id",)),
            [codec.member_row(m) for m in records if isinstance(m, Member)],
        )
        db.many(
            cur,
            "UPDATE organizations SET head_id = ? WHERE id = ?",
            [(o.head_id, o.id) for o in orgs],
        )
        db.many(
            cur,
            d.upsert("office_staff", ("id", "name"), ("id",)),
            [(s.id, s.name) for s in records if isinstance(s, OfficeStaff)],
        )
        db.many(
            cur,
            d.upsert("liaisons", LIAISON_COLUMNS, ("committee_member_id", "org_id")),
            [liaison_row(a) for a in records if isinstance(a, LiaisonAssignment)],
        )
        version = self._version_in(cur) + self._step()
        db.q(cur, "UPDATE reviewflow_meta SET value = ? WHERE name = ?", [str(version), "roster"])
