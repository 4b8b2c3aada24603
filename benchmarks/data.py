"""Synthetic rosters for the benchmarks, built through the public API.

A committee (the root) over ``cities`` city committees, each over its branches; every
organization has a secretary as head; every branch has members. The liaison rule is left out
(parent heads review), so a month calls for one member review per member.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import reviewflow as rf

OFFICE = "office"
MOMENT = datetime(2024, 1, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MONTH = rf.Period.parse("2024-01")
JOINED = date(2020, 1, 1)


def roster(members: int, branches: int, cities: int = 1) -> dict[str, list[object]]:
    """Roster records: ``branches`` branches under ``cities`` city committees, ``members``
    members spread evenly over the branches (each branch's first member is its secretary)."""
    sec = {rf.Role.SECRETARY}
    orgs: list[object] = [rf.Organization("root", "省委", rf.OrgKind.COMMITTEE, "机关", None, "h")]
    people: list[object] = [rf.Member("h", "省委书记", "root", "管理", roles=sec)]
    for c in range(cities):
        orgs.append(
            rf.Organization(f"c{c}", f"市委{c}", rf.OrgKind.COMMITTEE, "机关", "root", f"hc{c}")
        )
        people.append(rf.Member(f"hc{c}", f"市委书记{c}", f"c{c}", "管理", roles=sec))
    per_branch = max(members // branches, 1)
    for b in range(branches):
        orgs.append(
            rf.Organization(
                f"b{b}", f"支部{b}", rf.OrgKind.BRANCH, "机关", f"c{b % cities}", f"s{b}"
            )
        )
        people.append(rf.Member(f"s{b}", f"支书{b}", f"b{b}", "管理", roles=sec))
        people.extend(
            rf.Member(f"m{b}-{i}", f"党员{b}-{i}", f"b{b}", "管理") for i in range(per_branch - 1)
        )
    return {
        "organizations": orgs,
        "members": people,
        "liaisons": [],
        "office_staff": [rf.OfficeStaff(OFFICE, "办公室")],
    }


def service(url: str, members: int, branches: int, cities: int = 1) -> rf.ReviewService:
    """A service over a new store at ``url`` with the synthetic roster imported."""
    svc = rf.ReviewService(rf.open_store(url), clock=lambda: MOMENT, ids=rf.sequential_ids())
    svc.import_roster(OFFICE, **roster(members, branches, cities))  # type: ignore[arg-type]
    return svc
