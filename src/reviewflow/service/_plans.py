"""The plans of the periods, kept while the roster and the policy stay the very same objects.

Scheduling and coverage ask for a period's plan on every call; the plan depends on the roster
and the policy alone, and both are replaced, never changed, so a plan is kept while they are
the same objects (the newest few at most, per service).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from reviewflow.domain.office import PlanIndex
from reviewflow.domain.periods import Period
from reviewflow.domain.planning import Plan, plan_period
from reviewflow.domain.policy import Policy
from reviewflow.domain.roster import Roster

__all__ = ["KEPT", "Plans"]

KEPT = 16  # plans kept per service (a month and a quarter, for a few subtrees)
_V = TypeVar("_V")


class Plans:
    """A service's plans, their indexes and the subtrees coverage asks for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plans: dict[Any, tuple[tuple[object, ...], Plan]] = {}
        self._indexes: dict[Any, tuple[tuple[object, ...], PlanIndex | None]] = {}
        self._subtrees: dict[Any, tuple[tuple[object, ...], frozenset[str]]] = {}

    def plan(self, roster: Roster, policy: Policy, period: Period, root_id: str | None) -> Plan:
        """The plan for ``period`` (R-SCOPE, R-CAD) of the roster or a subtree."""
        return self._kept(
            self._plans,
            (id(roster), id(policy), period, root_id),
            (roster, policy),
            lambda: plan_period(roster, policy, period, root_id),
        )

    def index(self, plan: Plan, period: Period, root_id: str | None) -> PlanIndex | None:
        """The plan's slots as keys, kept with it (None when a slot appears twice)."""

        def made() -> PlanIndex | None:
            index = PlanIndex(plan)
            return index if len(index.place) == len(index.keys) else None

        return self._kept(self._indexes, (id(plan), period, root_id), (plan,), made)

    def subtree(self, roster: Roster, root_id: str | None) -> frozenset[str] | None:
        """The organizations of ``root_id``'s subtree (None: the whole roster)."""
        if root_id is None:
            return None
        return self._kept(
            self._subtrees,
            (id(roster), root_id),
            (roster,),
            lambda: frozenset(roster.subtree(root_id)),
        )

    def _kept(
        self,
        cache: dict[Any, tuple[tuple[object, ...], _V]],
        key: tuple[Any, ...],
        made_of: tuple[object, ...],
        make: Callable[[], _V],
    ) -> _V:
        """``make()``, kept under ``key`` while made of the very same objects ``made_of`` (the
        key holds their ids; keeping the objects keeps the ids from being reused)."""
        with self._lock:
            found = cache.get(key)
            if found is not None and all(a is b for a, b in zip(found[0], made_of, strict=True)):
                return found[1]
        value = make()
        with self._lock:
            if len(cache) >= KEPT:
                cache.pop(next(iter(cache)))
            cache[key] = (made_of, value)
        return value
