"""The closed vocabularies of the domain, each member with its Chinese and English label.

Names follow the domain's glossary: one term, one name. The value is the stable identifier
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
    """The member's Chinese label: what end users see."""
    label_en: str
    """The member's English label."""

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
    """党委: a Party committee; the reviewing committee at the root, or a grassroots committee below
    it."""
    GENERAL_BRANCH = "general_branch", "党总支", "general Party branch"
    """党总支: a general branch, with branches below it."""
    BRANCH = "branch", "党支部", "Party branch"
    """党支部: a branch, whose members its head reviews (R-SCOPE-2)."""
    GROUP = "group", "党小组", "Party group"
    """党小组: a group within a branch; never a subject, its members are the branch's to review
    (R-SUBJ)."""


class MemberStatus(Labelled):
    """Full or probationary membership (正式 / 预备)."""

    FULL = "full", "正式党员", "full member"
    """正式党员: a full member."""
    PROBATIONARY = "probationary", "预备党员", "probationary member"
    """预备党员: a probationary member, reviewed as any member."""


class Role(Labelled):
    """A leadership-team role within the member's own organization."""

    SECRETARY = "secretary", "书记", "secretary"
    """书记: heads the organization's leadership team."""
    DEPUTY_SECRETARY = "deputy_secretary", "副书记", "deputy secretary"
    """副书记: deputy secretary of the leadership team."""
    COMMITTEE_MEMBER = "committee_member", "委员", "committee member"
    """委员: a member of the leadership team."""


class ReviewKind(Labelled):
    """What is reviewed: an organization or a member (R-SUBJ)."""

    ORGANIZATION = "organization", "基层党组织", "organization"
    """A review of a grassroots organization (基层党组织), on the organization form."""
    MEMBER = "member", "党员", "member"
    """A review of a Party member (党员), on the member form."""


class Basis(Labelled):
    """Why this reviewer reviews this subject (R-SCOPE-1..3)."""

    LIAISON = "liaison", "联系点点评", "liaison review"
    """The reviewer is the committee member whose liaison point the organization is (R-SCOPE-1)."""
    HEAD = "head", "党组织负责人点评", "head's review"
    """The reviewer heads the subject member's organization (R-SCOPE-2)."""
    PARENT_HEAD = "parent_head", "上级党组织负责人点评", "parent head's review"
    """The organization has no liaison reviewer: the head of its parent organization reviews it and
    its leadership team (R-SCOPE-3)."""


class Method(Labelled):
    """How the review is held (R-METH)."""

    CENTRALIZED = "centralized", "集中点评", "centralized review"
    """集中点评: at a meeting, before the members (§4.1)."""
    ON_SITE = "on_site", "现场点评", "on-site review"
    """现场点评: on the spot, during an inspection or a visit (§4.2)."""
    TALK = "talk", "谈话点评", "talk review"
    """谈话点评: in a one-to-one talk (§4.3)."""


class Occasion(Labelled):
    """The regular occasion a review is combined with (R-METH, §4.1-4.4)."""

    DEMOCRATIC_LIFE_MEETING = "democratic_life_meeting", "民主生活会", "democratic life meeting"
    """民主生活会: the leadership team's democratic life meeting (centralized)."""
    WORK_PROGRESS_MEETING = "work_progress_meeting", "工作推进会", "work progress meeting"
    """工作推进会: a meeting to push the work forward (centralized)."""
    THEMATIC_MEETING = "thematic_meeting", "专题会", "thematic meeting"
    """专题会: a meeting on one subject (centralized)."""
    ORGANIZATIONAL_LIFE_MEETING = (
        "organizational_life_meeting",
        "组织生活会",
        "organizational life meeting",
    )
    """组织生活会: a branch's organizational life meeting (centralized)."""
    GROUP_STUDY = "group_study", "集中学习", "group study"
    """集中学习: a group study session (centralized)."""
    REGULAR_WORK_MEETING = "regular_work_meeting", "工作例会", "regular work meeting"
    """工作例会: the regular work meeting (centralized)."""
    BRANCH_GENERAL_MEETING = "branch_general_meeting", "支部党员大会", "branch general meeting"
    """支部党员大会: the branch's general meeting of members (centralized)."""
    THREE_MEETINGS_ONE_LESSON = (
        "three_meetings_one_lesson",
        "三会一课",
        "three meetings, one lesson",
    )
    """三会一课: the branch's routine meetings and Party lesson (centralized)."""
    MEMBER_ACTIVITY_DAY = "member_activity_day", "党员活动日", "Party member activity day"
    """党员活动日: a Party member activity day (centralized)."""
    WINTER_TRAINING = "winter_training", "党员冬训", "winter training of members"
    """党员冬训: the members' winter training (centralized)."""
    WORK_INSPECTION = "work_inspection", "工作督查", "work inspection"
    """工作督查: an inspection of the work (on-site)."""
    SPECIAL_REPORT = "special_report", "专项述职", "special duty report"
    """专项述职: a special report on one's duties (on-site)."""
    ANNUAL_ASSESSMENT = "annual_assessment", "年度考核", "annual assessment"
    """年度考核: the annual assessment (on-site)."""
    HOME_VISIT = "home_visit", "上门走访", "home visit"
    """上门走访: a visit to the subject (on-site)."""
    FIELD_VISIT = "field_visit", "实地查看", "field visit"
    """实地查看: a look at the work in the field (on-site)."""
    SYMPOSIUM = "symposium", "座谈会", "symposium"
    """座谈会: a symposium (on-site)."""
    HEART_TO_HEART_TALK = "heart_to_heart_talk", "谈心谈话", "heart-to-heart talk"
    """谈心谈话: a heart-to-heart talk (talk)."""

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
    """How the organization carried out the campaign and pushed the core work and key tasks
    forward."""
    ORG_COMMITMENTS = "org_commitments", "公开承诺及兑现", "public commitments kept"
    """The organization's public commitments and how they were kept."""
    ORG_SERVING_MASSES = "org_serving_masses", "服务群众、为群众办实事", "serving the masses"
    """How it served the masses and did practical things for them."""
    ORG_FIVE_GOODS = "org_five_goods", "党建职责、创建五个好党组织", "Party-building and five-goods"
    """How it fulfilled its Party-building duties and built a five-goods organization (五个好)."""
    MEM_ARDUOUS_TASKS = (
        "mem_arduous_tasks",
        "立足本职争优秀、完成急难险重任务",
        "excellence and arduous tasks",
    )
    """How the member strove for excellence in their post and took on urgent, difficult, dangerous
    and heavy tasks."""
    MEM_COMMITMENTS = "mem_commitments", "公开承诺及践诺", "public commitments kept"
    """The member's public commitments and how they were kept."""
    MEM_PRACTICAL_DEEDS = (
        "mem_practical_deeds",
        "为群众办实事做好事",
        "practical deeds for the masses",
    )
    """The practical and good deeds the member did for the masses."""
    MEM_EXEMPLARY_ROLE = (
        "mem_exemplary_role",
        "履行党员义务、发挥模范带头作用",
        "duties and exemplary role",
    )
    """How the member fulfilled a member's duties and set an example."""

    @classmethod
    def for_kind(cls, kind: ReviewKind) -> tuple[Aspect, ...]:
        """The four aspects a review of this kind covers, in the form's order."""
        prefix = "org_" if kind is ReviewKind.ORGANIZATION else "mem_"
        return tuple(a for a in cls if a.value.startswith(prefix))


class FulfilmentStatus(Labelled):
    """How far a public commitment has been kept (R-COMMIT)."""

    NOT_STARTED = "not_started", "未开始", "not started"
    """Not begun yet."""
    IN_PROGRESS = "in_progress", "推进中", "in progress"
    """Under way, not yet kept in full."""
    FULFILLED = "fulfilled", "已兑现", "fulfilled"
    """Kept."""
    NOT_FULFILLED = "not_fulfilled", "未兑现", "not fulfilled"
    """Not kept (a finding, not a state that moves on)."""


class ParticipantCapacity(Labelled):
    """In what capacity someone takes part in a review (R-PART)."""

    MEMBER = "member", "党员代表", "Party member"
    """A Party member invited as members' representative."""
    MASSES_REPRESENTATIVE = "masses_representative", "群众代表", "masses representative"
    """A representative of the masses (群众), who is never a subject (R-SUBJ)."""


class Medium(Labelled):
    """Where a review is made public in writing (R-STEP-3)."""

    MEETING = "meeting", "会议通报", "meeting"
    """Reported at a meeting (会议通报)."""
    BULLETIN_BOARD = "bulletin_board", "公示栏", "bulletin board"
    """Posted on the bulletin board (公示栏)."""
    INTRANET = "intranet", "内网", "intranet"
    """Published on the unit's intranet."""
    BRIEFING = "briefing", "简报", "briefing"
    """Printed in a briefing (简报)."""


class ItemStatus(Labelled):
    """The status of a ledger item (R-STEP-4) or of a supervision order (R-SUPERVISE)."""

    OPEN = "open", "未开始", "open"
    """Not begun."""
    IN_PROGRESS = "in_progress", "整改中", "in progress"
    """Being rectified."""
    DONE = "done", "已完成", "done"
    """Done, with the day it was done."""


class OrderStatus(Labelled):
    """A supervision order from issue to verified completion (R-SUPERVISE)."""

    ISSUED = "issued", "已下达", "issued"
    """Issued by the office, or sent back after a report: the subject is to rectify."""
    REPORTED = "reported", "已报告整改", "reported done"
    """The subject reported the rectification done; the office is to verify it."""
    VERIFIED = "verified", "已验收", "verified"
    """The office verified it as done; final."""


class Party(Labelled):
    """Who may take a step or read a review (R-SCOPE-4)."""

    REVIEWER = "reviewer", "点评领导", "reviewer"
    """The review's reviewer: the reviewer's parts (comments, requirements, closeout)."""
    SUBJECT = "subject", "点评对象", "subject"
    """The member reviewed, or a member of the reviewed organization's leadership team: the
    subject's parts (report, rectification, reply)."""
    FORM_FILLER = "form_filler", "填表人", "form filler"
    """Who confirms the form (R-STEP-3): the head of the review's organization, or of its parent
    when that head is the subject or there is none; the office when there is neither."""
    OFFICE = "office", "领导小组办公室", "office"
    """The campaign leading-group office (领导小组办公室): files, supervises, reads everything."""
