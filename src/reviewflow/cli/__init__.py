"""``reviewflow``: the command line of the leadership reviews (领导点评) of the 创先争优 campaign.

An interface over the public API only: it opens a store (``--store URL``), builds a
:class:`~reviewflow.ReviewService` on the real clock, and acts as the person ``--as`` names.
A host runs it on a service of its own with :func:`run_on` (``manage.py reviewflow``).
``--store``, ``--as`` and ``--lang`` are accepted before the command and after it.

Exit codes, which scripts can rely on:

- 0: done.
- 1: refused by the library (OutOfScope, GuardFailed, TransitionNotAllowed, NotFound,
  RosterConflict, ConcurrencyConflict, InvalidInput ... any ``ReviewflowError`` not below), with
  the error's message on stderr and no traceback; also ``db verify`` finding tampering, a copy
  that does not verify, and a file that cannot be written.
- 2: usage error (a missing argument or ``--as``, an unknown option: click's default).
- 3: bad rows in a roster import: every bad row is reported and nothing is imported. With
  ``--import-good`` the good rows are imported, the bad ones reported, and the exit code is 0.
- 4: the store cannot be opened (StoreUnavailable) or its schema is not this version's
  (SchemaMismatch: run ``reviewflow db upgrade``).

The commands live in modules by job, each registering its commands on :func:`main` when
imported: ``_app`` (the group and what the commands share: options, state, labels, output),
``_db``, ``_roster`` (with ``_rows``, which reads roster files), ``_coverage`` (schedule,
coverage, summary), ``_reviews`` (work, show), ``_steps`` (reviews, step),
``_office`` (the office's records: summaries submitted, inspections, publicity), ``_outbox``
(the day's reminders queued, the outbox delivered to a webhook, its dead list), ``_export``,
and ``_demo`` (diagram, demo).
"""

from __future__ import annotations

# Imported for their effect: each module registers its commands on ``main``.
from reviewflow.cli import (  # noqa: F401
    _coverage,
    _db,
    _demo,
    _export,
    _office,
    _outbox,
    _reviews,
    _roster,
    _steps,
    _template,
)
from reviewflow.cli._app import DEFAULT_STORE as DEFAULT_STORE
from reviewflow.cli._app import (
    EXIT_BAD_ROWS,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_STORE,
    EXIT_USAGE,
    main,
    run_on,
)

__all__ = [
    "EXIT_BAD_ROWS",
    "EXIT_OK",
    "EXIT_REFUSED",
    "EXIT_STORE",
    "EXIT_USAGE",
    "main",
    "run_on",
]
