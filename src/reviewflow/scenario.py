"""The source document's worked scenario as data: a district health bureau's Party committee
(区卫生局党委), its liaison points, the district hospital's general branch and its branches, and
their members, with the office's staff.

The demonstration (:mod:`reviewflow.demo`), the tutorial and the conformance kit
(:mod:`reviewflow.testing`) all stand on this one roster; it uses only ``reviewflow``'s public
names.
"""

from __future__ import annotations

from datetime import date

import reviewflow as rf

__all__ = ["OFFICE", "QUARTER", "scenario_roster"]

QUARTER = rf.Period.parse("2023-Q4")
"""The scenario's quarter."""

OFFICE = "office-chen"
"""The office staff member who acts for the campaign office (陈敏)."""


def scenario_roster() -> dict[str, tuple[object, ...]]:
    """The scenario's roster records, as keyword arguments of ``import_roster``."""
    org = rf.Organization
    organizations = (
        org("bureau", "区卫生局党委", rf.OrgKind.COMMITTEE, "机关", head_id="wang"),
        org("hospital", "区人民医院党总支", rf.OrgKind.GENERAL_BRANCH, "医院", "bureau", "liu"),
        org("internal", "内科党支部", rf.OrgKind.BRANCH, "医院", "hospital", "zhou"),
        org("surgery", "外科党支部", rf.OrgKind.BRANCH, "医院", "hospital", "qian"),
        org("nursing-group", "护理党小组", rf.OrgKind.GROUP, "医院", "internal"),
        org("cdc", "区疾控中心党支部", rf.OrgKind.BRANCH, "疾控", "bureau", "he"),
        org("organ", "局机关党支部", rf.OrgKind.BRANCH, "机关", "bureau", "zhang"),
    )
    sec, dep, com = rf.Role.SECRETARY, rf.Role.DEPUTY_SECRETARY, rf.Role.COMMITTEE_MEMBER
    m = rf.Member
    members = (
        m("wang", "王建国", "bureau", "管理", roles={sec}),
        m("li", "李文华", "bureau", "管理", roles={dep}),
        m("zhao", "赵立新", "bureau", "管理", roles={com}),
        m("liu", "刘志强", "hospital", "管理", roles={sec}),
        m("ma", "马晓燕", "hospital", "管理", roles={com}),
        m("zhou", "周明", "internal", "医生", roles={sec}),
        m("wu", "吴红", "internal", "医生"),
        m("sun", "孙丽", "internal", "医技", rf.MemberStatus.PROBATIONARY),
        m("zheng", "郑芳", "nursing-group", "护理"),
        m("qian", "钱伟", "surgery", "医生", roles={sec}),
        m("feng", "冯军", "surgery", "医生"),
        m("he", "何静", "cdc", "管理", roles={sec}),
        m("lv", "吕强", "cdc", "医技"),
        m("shi", "施雨", "cdc", "流动"),
        m("zhang", "张磊", "organ", "管理", roles={sec}),
        m("yang", "杨帆", "organ", "管理"),
    )
    liaisons = (
        rf.LiaisonAssignment("li", "hospital", date(2023, 1, 1)),
        rf.LiaisonAssignment("zhao", "cdc", date(2023, 1, 1)),
    )
    office_staff = (rf.OfficeStaff(OFFICE, "陈敏"),)
    return {
        "organizations": organizations,
        "members": members,
        "liaisons": liaisons,
        "office_staff": office_staff,
    }
