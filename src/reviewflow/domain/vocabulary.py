"""The closed vocabularies of the domain, each member with its Chinese and English label.

Names follow the glossary (``shared/domain/GLOSSARY.md``). The value is the stable identifier
stored in databases and policy files; ``label_zh`` is what users see, ``label_en`` the English
label.
"""

from __future__ import annotations

import enum
from typing import Self

from reviewflow.errors import InvalidInput
from reviewflow.reasons import because

__all__ = [
    "Aspect",
    "Basis",
    "FulfilmentStatus",
    "ItemStatus",
    "Labelled",
    "Medium",
    "MemberStatus",
    "Method",
    "Occasion",
    "OrderStatus",
    "OrgKind",
    "ParticipantCapacity",
    "Party",
    "ReviewKind",
    "Role",
]


class Labelled(enum.StrEnum):
    """A string enum whose members carry a Chinese and an English label."""

    label_zh: str
    label_en: str

    def __new__(cls, value: str, label_zh: str = "", label_en: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label_zh = label_zh
        member.label_en = label_en
        return member

    def label(self, lang: str = "zh") -> str:
        """The label in ``lang`` ("zh" or "en")."""
        return self.label_en if lang == "en" else self.label_zh

    @classmethod
    def _missing_(cls, value: object) -> Self:
        # Accept the Chinese or English label where the value is expected (forms, CLI input);
        # anything else is bad input that names the choices, not a bare ValueError.
        for member in cls:
            if value in (member.label_zh, member.label_en):
                return member
        choices = ", ".join(f"{m.value} ({m.label_zh})" for m in cls)
        raise InvalidInput(
            cls.__name__,
            value,
            because("one_of", choices=choices, labels=[m.label_zh for m in cls]),
        )


class OrgKind(Labelled):
    """The level of an organization in the tree."""

    COMMITTEE = "committee", "党委", "Party committee"
    GENERAL_BRANCH = "general_branch", "党总支", "general Party branch"
    BRANCH = "branch", "党支部", "Party branch"
    GROUP = "group", "党小组", "Party group"


class MemberStatus(Labelled):
    """Full or probationary membership (正式 / 预备)."""

    FULL = "full", "正式党员", "full member"
    PROBATIONARY = "probationary", "预备党员", "probationary member"


class Role(Labelled):
    """A leadership-team role within the member's own organization."""

    SECRETARY = "secretary", "书记", "secretary"
    DEPUTY_SECRETARY = "deputy_secretary", "副书记", "deputy secretary"
    COMMITTEE_MEMBER = "committee_member", "委员", "committee member"


class ReviewKind(Labelled):
    """What is reviewed: an organization or a member (R-SUBJ)."""

    ORGANIZATION = "organization", "基层党组织", "organization"
    MEMBER = "member", "党员", "member"


class Basis(Labelled):
    """Why this reviewer reviews this subject (R-SCOPE-1..3)."""

    LIAISON = "liaison", "联系点点评", "liaison review"
    HEAD = "head", "党组织负责人点评", "head's review"
    PARENT_HEAD = "parent_head", "上级党组织负责人点评", "parent head's review"


class Method(Labelled):
    """How the review is held (R-METH)."""

    CENTRALIZED = "centralized", "集中点评", "centralized review"
    ON_SITE = "on_site", "现场点评", "on-site review"
    TALK = "talk", "谈话点评", "talk review"


class Occasion(Labelled):
    """The regular occasion a review is combined with (R-METH, §4.1-4.4)."""

    DEMOCRATIC_LIFE_MEETING = "democratic_life_meeting", "民主生活会", "democratic life meeting"
    WORK_PROGRESS_MEETING = "work_progress_meeting", "工作推进会", "work progress meeting"
    THEMATIC_MEETING = "thematic_meeting", "专题会", "thematic meeting"
    ORGANIZATIONAL_LIFE_MEETING = (
        "organizational_life_meeting",
        "组织生活会",
        "organizational life meeting",
    )
    GROUP_STUDY = "group_study", "集中学习", "group study"
    REGULAR_WORK_MEETING = "regular_work_meeting", "工作例会", "regular work meeting"
    BRANCH_GENERAL_MEETING = "branch_general_meeting", "支部党员大会", "branch general meeting"
    THREE_MEETINGS_ONE_LESSON = (
        "three_meetings_one_lesson",
        "三会一课",
        "three meetings, one lesson",
    )
    MEMBER_ACTIVITY_DAY = "member_activity_day", "党员活动日", "Party member activity day"
    WINTER_TRAINING = "winter_training", "党员冬训", "winter training of members"
    WORK_INSPECTION = "work_inspection", "工作督查", "work inspection"
    SPECIAL_REPORT = "special_report", "专项述职", "special duty report"
    ANNUAL_ASSESSMENT = "annual_assessment", "年度考核", "annual assessment"
    HOME_VISIT = "home_visit", "上门走访", "home visit"
    FIELD_VISIT = "field_visit", "实地查看", "field visit"
    SYMPOSIUM = "symposium", "座谈会", "symposium"
    HEART_TO_HEART_TALK = "heart_to_heart_talk", "谈心谈话", "heart-to-heart talk"

    @property
    def method(self) -> Method:
        """The method this occasion belongs to in the source document (§4.1-4.3)."""
        return _OCCASION_METHOD[self]


_OCCASION_METHOD: dict[Occasion, Method] = {
    **dict.fromkeys(
        [
            Occasion.DEMOCRATIC_LIFE_MEETING,
            Occasion.WORK_PROGRESS_MEETING,
            Occasion.THEMATIC_MEETING,
            Occasion.ORGANIZATIONAL_LIFE_MEETING,
            Occasion.GROUP_STUDY,
            Occasion.REGULAR_WORK_MEETING,
            Occasion.BRANCH_GENERAL_MEETING,
            Occasion.THREE_MEETINGS_ONE_LESSON,
            Occasion.MEMBER_ACTIVITY_DAY,
            Occasion.WINTER_TRAINING,
        ],
        Method.CENTRALIZED,
    ),
    **dict.fromkeys(
        [
            Occasion.WORK_INSPECTION,
            Occasion.SPECIAL_REPORT,
            Occasion.ANNUAL_ASSESSMENT,
            Occasion.HOME_VISIT,
            Occasion.FIELD_VISIT,
            Occasion.SYMPOSIUM,
        ],
        Method.ON_SITE,
    ),
    Occasion.HEART_TO_HEART_TALK: Method.TALK,
}


class Aspect(Labelled):
    """The four aspects of an organization review (R-CONT-ORG) and a member review (R-CONT-MEM)."""

    ORG_CORE_WORK = "org_core_work", "开展活动、推动中心工作和重点任务", "campaign and core work"
    ORG_COMMITMENTS = "org_commitments", "公开承诺及兑现", "public commitments kept"
    ORG_SERVING_MASSES = "org_serving_masses", "服务群众、为群众办实事", "serving the masses"
    ORG_FIVE_GOODS = "org_five_goods", "党建职责、创建五个好党组织", "Party-building and five-goods"
    MEM_ARDUOUS_TASKS = (
        "mem_arduous_tasks",
        "立足本职争优秀、完成急难险重任务",
        "excellence and arduous tasks",
    )
    MEM_COMMITMENTS = "mem_commitments", "公开承诺及践诺", "public commitments kept"
    MEM_PRACTICAL_DEEDS = (
        "mem_practical_deeds",
        "为群众办实事做好事",
        "practical deeds for the masses",
    )
    MEM_EXEMPLARY_ROLE = (
        "mem_exemplary_role",
        "履行党员义务、发挥模范带头作用",
        "duties and exemplary role",
    )

    @classmethod
    def for_kind(cls, kind: ReviewKind) -> tuple[Aspect, ...]:
        """The four aspects a review of this kind covers, in the form's order."""
        prefix = "org_" if kind is ReviewKind.ORGANIZATION else "mem_"
        return tuple(a for a in cls if a.value.startswith(prefix))


class FulfilmentStatus(Labelled):
    """How far a public commitment has been kept (R-COMMIT)."""

    NOT_STARTED = "not_started", "未开始", "not started"
    IN_PROGRESS = "in_progress", "推进中", "in progress"
    FULFILLED = "fulfilled", "已兑现", "fulfilled"
    NOT_FULFILLED = "not_fulfilled", "未兑现", "not fulfilled"


class ParticipantCapacity(Labelled):
    """In what capacity someone takes part in a review (R-PART)."""

    MEMBER = "member", "党员代表", "Party member"
    MASSES_REPRESENTATIVE = "masses_representative", "群众代表", "masses representative"


class Medium(Labelled):
    """Where a review is made public in writing (R-STEP-3)."""

    MEETING = "meeting", "会议通报", "meeting"
    BULLETIN_BOARD = "bulletin_board", "公示栏", "bulletin board"
    INTRANET = "intranet", "内网", "intranet"
    BRIEFING = "briefing", "简报", "briefing"


class ItemStatus(Labelled):
    """The status of a ledger item (R-STEP-4) or of a supervision order (R-SUPERVISE)."""

    OPEN = "open", "未开始", "open"
    IN_PROGRESS = "in_progress", "整改中", "in progress"
    DONE = "done", "已完成", "done"


class OrderStatus(Labelled):
    """A supervision order from issue to verified completion (R-SUPERVISE)."""

    ISSUED = "issued", "已下达", "issued"
    REPORTED = "reported", "已报告整改", "reported done"
    VERIFIED = "verified", "已验收", "verified"


class Party(Labelled):
    """Who may take a step or read a review (R-SCOPE-4)."""

    REVIEWER = "reviewer", "点评领导", "reviewer"
    SUBJECT = "subject", "点评对象", "subject"
    FORM_FILLER = "form_filler", "填表人", "form filler"
    OFFICE = "office", "领导小组办公室", "office"
