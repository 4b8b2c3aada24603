"""The policy: the source document's defaults, per-class overrides, refusing bad files."""

from __future__ import annotations

import datetime as dt
import pathlib

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewflow.domain.periods import Deadline, PeriodKind
from reviewflow.domain.policy import ClassRule, Policy
from reviewflow.domain.vocabulary import Method, Occasion
from reviewflow.errors import InvalidInput, InvalidPolicy

FULL_POLICY = """\
[cadence]
liaison = "month"
member = "quarter"

[methods]
liaison = "talk"
liaison_occasion = "heart_to_heart_talk"
member = "centralized"
member_occasion = "three_meetings_one_lesson"

[deadlines]
summary = "10 working days"
reminder_days = 5

[workflow]
closeout_required = false

[calendar]
timezone = "Asia/Urumqi"

[org_types."离退休"]
liaison_cadence = "year"
member_cadence = "quarter"
method = "talk"
occasion = "heart_to_heart_talk"

[org_types."医院"]
member_cadence = "month"

[post_categories."流动"]
member_cadence = "year"
method = "on_site"
"""


def write(tmp_path: pathlib.Path, text: str, name: str = "policy.toml") -> pathlib.Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- the source document's defaults -------------------------------------------------------------


def test_r_cad_1_liaison_organizations_reviewed_once_a_quarter_by_default() -> None:
    policy = Policy.default()
    assert policy.liaison_cadence is PeriodKind.QUARTER
    assert policy.liaison_cadence_for("机关") is PeriodKind.QUARTER


def test_r_cad_2_members_reviewed_once_a_month_by_default() -> None:
    policy = Policy.default()
    assert policy.member_cadence is PeriodKind.MONTH
    assert policy.member_cadence_for("医生", "医院") is PeriodKind.MONTH


def test_r_meth_default_liaison_review_is_on_site() -> None:
    policy = Policy.default()
    assert (policy.liaison_method, policy.liaison_occasion) == (Method.ON_SITE, None)
    assert policy.liaison_method_for("机关") == (Method.ON_SITE, None)


def test_r_meth_default_member_review_at_the_branch_general_meeting() -> None:
    policy = Policy.default()
    expected = (Method.CENTRALIZED, Occasion.BRANCH_GENERAL_MEETING)
    assert (policy.member_method, policy.member_occasion) == expected
    assert policy.member_method_for("护理", "医院") == expected


def test_r_deadline_summary_due_12_30_by_default() -> None:
    deadline = Policy.default().summary_deadline
    assert deadline == Deadline.day_of_year(12, 30)
    assert str(deadline) == "12-30"


def test_r_step_4_closeout_required_by_default() -> None:
    assert Policy.default().closeout_required is True


def test_default_calendar_and_reminders() -> None:
    policy = Policy.default()
    assert policy.timezone == "Asia/Shanghai"
    assert policy.zone.key == "Asia/Shanghai"
    assert policy.reminder_days == 3


def test_default_has_no_class_rules() -> None:
    policy = Policy.default()
    assert dict(policy.org_types) == {}
    assert dict(policy.post_categories) == {}


def test_an_empty_policy_file_keeps_every_default() -> None:
    assert Policy.from_toml("") == Policy.default()


def test_default_to_mapping_spells_out_the_file_layout() -> None:
    assert Policy.default().to_mapping() == {
        "cadence": {"liaison": "quarter", "member": "month"},
        "methods": {
            "liaison": "on_site",
            "liaison_occasion": "",
            "member": "centralized",
            "member_occasion": "branch_general_meeting",
        },
        "deadlines": {"summary": "12-30", "reminder_days": 3},
        "workflow": {"closeout_required": True},
        "calendar": {"timezone": "Asia/Shanghai", "holidays": ""},
        "org_types": {},
        "post_categories": {},
    }


# ---- overrides: R-CAD-3 and R-CLASS --------------------------------------------------------------


def test_r_cad_3_deployment_changes_the_default_cadences() -> None:
    policy = Policy.from_toml('[cadence]\nliaison = "year"\nmember = "quarter"\n')
    assert policy.liaison_cadence_for("机关") is PeriodKind.YEAR
    assert policy.member_cadence_for("医生", "机关") is PeriodKind.QUARTER


def test_r_cad_3_a_file_changing_one_cadence_keeps_the_other() -> None:
    policy = Policy.from_toml('[cadence]\nmember = "quarter"\n')
    assert policy.liaison_cadence is PeriodKind.QUARTER
    assert policy.member_cadence is PeriodKind.QUARTER
    assert attrs.evolve(policy, member_cadence=PeriodKind.MONTH) == Policy.default()


def test_r_cad_3_org_type_overrides_the_liaison_cadence() -> None:
    policy = Policy(org_types={"离退休": ClassRule(liaison_cadence=PeriodKind.YEAR)})
    assert policy.liaison_cadence_for("离退休") is PeriodKind.YEAR
    assert policy.liaison_cadence_for("医院") is PeriodKind.QUARTER


def test_r_cad_3_org_type_without_a_liaison_cadence_falls_back_to_the_default() -> None:
    policy = Policy(org_types={"离退休": ClassRule(member_cadence=PeriodKind.YEAR)})
    assert policy.liaison_cadence_for("离退休") is PeriodKind.QUARTER


def test_r_class_org_type_sets_the_member_cadence_of_its_members() -> None:
    policy = Policy(org_types={"离退休": ClassRule(member_cadence=PeriodKind.QUARTER)})
    assert policy.member_cadence_for("管理", "离退休") is PeriodKind.QUARTER
    assert policy.member_cadence_for("管理", "机关") is PeriodKind.MONTH


def test_r_class_post_category_wins_over_org_type_for_the_member_cadence() -> None:
    policy = Policy(
        org_types={"离退休": ClassRule(member_cadence=PeriodKind.QUARTER)},
        post_categories={"流动": ClassRule(member_cadence=PeriodKind.YEAR)},
    )
    assert policy.member_cadence_for("流动", "离退休") is PeriodKind.YEAR
    assert policy.member_cadence_for("流动", "机关") is PeriodKind.YEAR
    assert policy.member_cadence_for("医生", "离退休") is PeriodKind.QUARTER


def test_r_class_post_category_without_a_cadence_defers_to_the_org_type() -> None:
    policy = Policy(
        org_types={"离退休": ClassRule(member_cadence=PeriodKind.QUARTER)},
        post_categories={"流动": ClassRule(method=Method.TALK)},
    )
    assert policy.member_cadence_for("流动", "离退休") is PeriodKind.QUARTER


def test_r_class_org_type_sets_the_liaison_method() -> None:
    policy = Policy(
        org_types={"离退休": ClassRule(method=Method.TALK, occasion=Occasion.HEART_TO_HEART_TALK)}
    )
    assert policy.liaison_method_for("离退休") == (Method.TALK, Occasion.HEART_TO_HEART_TALK)
    assert policy.liaison_method_for("医院") == (Method.ON_SITE, None)


def test_r_class_post_category_wins_over_org_type_for_the_member_method() -> None:
    policy = Policy(
        org_types={"离退休": ClassRule(method=Method.TALK)},
        post_categories={"流动": ClassRule(occasion=Occasion.HOME_VISIT)},
    )
    assert policy.member_method_for("流动", "离退休") == (Method.ON_SITE, Occasion.HOME_VISIT)
    assert policy.member_method_for("医生", "离退休") == (Method.TALK, None)
    assert policy.member_method_for("医生", "医院") == (
        Method.CENTRALIZED,
        Occasion.BRANCH_GENERAL_MEETING,
    )


def test_r_class_method_override_keeps_the_default_occasion_when_it_belongs_to_the_method() -> None:
    policy = Policy(post_categories={"管理": ClassRule(method=Method.CENTRALIZED)})
    assert policy.member_method_for("管理", "机关") == (
        Method.CENTRALIZED,
        Occasion.BRANCH_GENERAL_MEETING,
    )


def test_r_class_method_override_drops_a_default_occasion_of_another_method() -> None:
    policy = Policy(post_categories={"流动": ClassRule(method=Method.ON_SITE)})
    assert policy.member_method_for("流动", "机关") == (Method.ON_SITE, None)


def test_r_class_liaison_method_override_keeps_the_deployments_liaison_occasion() -> None:
    policy = Policy(
        liaison_occasion=Occasion.FIELD_VISIT,
        org_types={"医院": ClassRule(method=Method.ON_SITE), "机关": ClassRule(method=Method.TALK)},
    )
    assert policy.liaison_method_for("医院") == (Method.ON_SITE, Occasion.FIELD_VISIT)
    assert policy.liaison_method_for("机关") == (Method.TALK, None)


def test_r_class_an_occasion_alone_brings_its_method() -> None:
    policy = Policy(org_types={"离退休": ClassRule(occasion=Occasion.HEART_TO_HEART_TALK)})
    assert policy.liaison_method_for("离退休") == (Method.TALK, Occasion.HEART_TO_HEART_TALK)


def test_r_meth_default_a_method_alone_in_the_file_drops_an_occasion_of_another_method() -> None:
    policy = Policy.from_toml('[methods]\nmember = "talk"\n')
    assert (policy.member_method, policy.member_occasion) == (Method.TALK, None)


def test_r_meth_default_a_method_alone_in_the_file_keeps_an_occasion_that_belongs() -> None:
    policy = Policy.from_toml('[methods]\nmember = "centralized"\n')
    assert policy.member_occasion is Occasion.BRANCH_GENERAL_MEETING


def test_r_meth_default_an_occasion_alone_in_the_file_brings_its_method() -> None:
    policy = Policy.from_toml('[methods]\nliaison_occasion = "symposium"\nmember_occasion = ""\n')
    assert (policy.liaison_method, policy.liaison_occasion) == (Method.ON_SITE, Occasion.SYMPOSIUM)
    assert (policy.member_method, policy.member_occasion) == (Method.CENTRALIZED, None)


def test_r_meth_default_a_talk_occasion_alone_switches_the_member_method() -> None:
    policy = Policy.from_toml('[methods]\nmember_occasion = "heart_to_heart_talk"\n')
    assert policy.member_method is Method.TALK


# ---- loading files -------------------------------------------------------------------------------


def test_load_reads_every_setting_of_a_policy_file(tmp_path: pathlib.Path) -> None:
    policy = Policy.load(write(tmp_path, FULL_POLICY))
    assert policy == Policy(
        liaison_cadence=PeriodKind.MONTH,
        member_cadence=PeriodKind.QUARTER,
        liaison_method=Method.TALK,
        liaison_occasion=Occasion.HEART_TO_HEART_TALK,
        member_method=Method.CENTRALIZED,
        member_occasion=Occasion.THREE_MEETINGS_ONE_LESSON,
        summary_deadline=Deadline.working_days(10),
        closeout_required=False,
        timezone="Asia/Urumqi",
        reminder_days=5,
        org_types={
            "离退休": ClassRule(
                liaison_cadence=PeriodKind.YEAR,
                member_cadence=PeriodKind.QUARTER,
                method=Method.TALK,
                occasion=Occasion.HEART_TO_HEART_TALK,
            ),
            "医院": ClassRule(member_cadence=PeriodKind.MONTH),
        },
        post_categories={
            "流动": ClassRule(member_cadence=PeriodKind.YEAR, method=Method.ON_SITE),
        },
    )


def test_load_answers_per_class_from_a_file(tmp_path: pathlib.Path) -> None:
    policy = Policy.load(write(tmp_path, FULL_POLICY))
    assert policy.liaison_cadence_for("离退休") is PeriodKind.YEAR
    assert policy.member_cadence_for("流动", "离退休") is PeriodKind.YEAR
    assert policy.member_cadence_for("医生", "离退休") is PeriodKind.QUARTER
    assert policy.member_method_for("流动", "离退休") == (Method.ON_SITE, None)


def test_load_takes_a_string_path(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path, '[cadence]\nmember = "year"\n')
    assert Policy.load(str(path)).member_cadence is PeriodKind.YEAR


def test_load_accepts_a_utf8_byte_order_mark(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes('\ufeff[org_types."离退休"]\nliaison_cadence = "year"\n'.encode())
    assert Policy.load(path).liaison_cadence_for("离退休") is PeriodKind.YEAR


def test_load_reads_an_unquoted_toml_date_as_a_fixed_deadline(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path, "[deadlines]\nsummary = 2024-12-28\n")
    assert Policy.load(path).summary_deadline == Deadline.on(dt.date(2024, 12, 28))


def test_load_refuses_a_missing_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(InvalidPolicy) as info:
        Policy.load(path)
    assert info.value.key == "<file>"
    assert "missing" in info.value.reason
    assert info.value.source == str(path)


def test_load_refuses_a_file_that_is_not_utf8(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes('[org_types."离退休"]\nliaison_cadence = "year"\n'.encode("gbk"))
    with pytest.raises(InvalidPolicy) as info:
        Policy.load(path)
    assert info.value.key == "<file>"
    assert "UTF-8" in info.value.reason


def test_load_refuses_a_directory(tmp_path: pathlib.Path) -> None:
    with pytest.raises(InvalidPolicy) as info:
        Policy.load(tmp_path)
    assert info.value.key == "<file>"
    assert "cannot be read" in info.value.reason


def test_a_refusal_is_an_invalid_input_naming_key_and_source(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path, '[cadence]\nmember = "weekly"\n')
    with pytest.raises(InvalidInput) as info:
        Policy.load(path)
    assert isinstance(info.value, InvalidPolicy)
    assert info.value.details() == {
        "key": "cadence.member",
        "reason": "unknown value 'weekly'; expected one of: month, quarter, year",
        "source": str(path),
        "reason_key": "policy_unknown_value",
        "reason_params": {
            "value": "weekly",
            "suggest": "",
            "suggest_zh": "",
            "choices": "month, quarter, year",
        },
    }
    assert str(path) in str(info.value)


def test_from_toml_and_from_mapping_name_their_default_sources() -> None:
    with pytest.raises(InvalidPolicy) as from_toml:
        Policy.from_toml("[cadense]\n")
    with pytest.raises(InvalidPolicy) as from_mapping:
        Policy.from_mapping({"cadense": {}})
    assert from_toml.value.source == "<string>"
    assert from_mapping.value.source == "<mapping>"


BAD_FILES = [
    pytest.param('[cadense]\nmember = "month"\n', "cadense", ["unknown section", "'cadence'"],
                 id="unknown-section"),
    pytest.param('[methods]\nmembr = "talk"\n', "methods.membr",
                 ["unknown key", "liaison, liaison_occasion, member, member_occasion"],
                 id="unknown-key"),
    pytest.param('[org_types."机关"]\nmethd = "talk"\n', "org_types.机关.methd",
                 ["unknown key", "liaison_cadence, member_cadence, method, occasion"],
                 id="unknown-key-in-org-type"),
    pytest.param('[post_categories."流动"]\nliaison_cadence = "year"\n',
                 "post_categories.流动.liaison_cadence", ["member reviews only", "org_types"],
                 id="liaison-cadence-per-post-category"),
    pytest.param('cadence = "month"\n', "cadence", ["expected a table", "string"],
                 id="section-not-a-table"),
    pytest.param('[org_types]\n"机关" = "year"\n', "org_types.机关", ["expected a table"],
                 id="org-type-not-a-table"),
    pytest.param("[cadence]\nmember = 1\n", "cadence.member",
                 ["month, quarter, year", "integer"], id="number-for-a-cadence"),
    pytest.param('[cadence]\nmember = "weekly"\n', "cadence.member",
                 ["'weekly'", "expected one of: month, quarter, year"], id="unknown-cadence"),
    pytest.param('[methods]\nliaison = "phone"\n', "methods.liaison",
                 ["'phone'", "expected one of: centralized, on_site, talk"], id="unknown-method"),
    pytest.param('[methods]\nmember_occasion = "party"\n', "methods.member_occasion",
                 ["'party'", "branch_general_meeting", "heart_to_heart_talk"],
                 id="unknown-occasion"),
    pytest.param('[methods]\nliaison = "on_site"\nliaison_occasion = "branch_general_meeting"\n',
                 "methods.liaison_occasion", ["belongs to the method 'centralized'", "'on_site'"],
                 id="occasion-of-another-method"),
    pytest.param('[methods]\nmember = "talk"\nmember_occasion = "group_study"\n',
                 "methods.member_occasion", ["belongs to the method 'centralized'", "'talk'"],
                 id="member-occasion-of-another-method"),
    pytest.param('[org_types."离退休"]\nmethod = "on_site"\noccasion = "branch_general_meeting"\n',
                 "org_types.离退休.occasion", ["belongs to the method 'centralized'"],
                 id="org-type-occasion-of-another-method"),
    pytest.param('[org_types."离退休"]\nmethod = "phone"\n', "org_types.离退休.method",
                 ["'phone'", "centralized, on_site, talk"], id="unknown-org-type-method"),
    pytest.param('[post_categories."流动"]\nmember_cadence = "weekly"\n',
                 "post_categories.流动.member_cadence", ["month, quarter, year"],
                 id="unknown-post-category-cadence"),
    pytest.param('[workflow]\nclosecout_required = "yes"\n', "workflow.closecout_required",
                 ["unknown key", "'closeout_required'"], id="misspelt-key-suggests"),
    pytest.param('[workflow]\ncloseout_required = "yes"\n', "workflow.closeout_required",
                 ["true or false", "string"], id="string-for-a-bool"),
    pytest.param("[workflow]\ncloseout_required = 1\n", "workflow.closeout_required",
                 ["true or false", "integer"], id="number-for-a-bool"),
    pytest.param("[deadlines]\nreminder_days = true\n", "deadlines.reminder_days",
                 ["whole number", "boolean"], id="bool-for-reminder-days"),
    pytest.param('[deadlines]\nreminder_days = "3"\n', "deadlines.reminder_days",
                 ["whole number", "string"], id="string-for-reminder-days"),
    pytest.param("[deadlines]\nreminder_days = 1.5\n", "deadlines.reminder_days",
                 ["whole number", "float"], id="float-for-reminder-days"),
    pytest.param("[deadlines]\nreminder_days = -1\n", "deadlines.reminder_days",
                 ["0 or more", "-1"], id="negative-reminder-days"),
    pytest.param('[deadlines]\nsummary = "12/30"\n', "deadlines.summary",
                 ["'12-30'", "working days"], id="deadline-not-understood"),
    pytest.param('[deadlines]\nsummary = "02-30"\n', "deadlines.summary",
                 ["no such day of the year"], id="deadline-no-such-day"),
    pytest.param("[deadlines]\nsummary = 1230\n", "deadlines.summary",
                 ["string", "integer"], id="number-for-a-deadline"),
    pytest.param('[calendar]\ntimezone = "Asia/Shangai"\n', "calendar.timezone",
                 ["'Asia/Shangai'", "Asia/Shanghai"], id="unknown-timezone"),
    pytest.param('[calendar]\ntimezone = "../etc/passwd"\n', "calendar.timezone",
                 ["unknown time zone"], id="timezone-path"),
    pytest.param("[calendar]\ntimezone = 8\n", "calendar.timezone",
                 ["time zone", "integer"], id="number-for-a-timezone"),
    pytest.param('[cadence]\nmember = "month"\nliaison "year"\n', "<toml>",
                 ["not valid TOML", "line 3"], id="invalid-toml"),
    pytest.param('[cadence]\nmember = "month"\nmember = "year"\n', "<toml>",
                 ["not valid TOML", "line 3"], id="duplicate-key"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "key", "fragments"), BAD_FILES)
def test_a_bad_policy_file_is_refused_naming_key_and_reason(
    tmp_path: pathlib.Path, text: str, key: str, fragments: list[str]
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InvalidPolicy) as info:
        Policy.load(path)
    assert info.value.key == key
    for fragment in fragments:
        assert fragment in info.value.reason
    assert info.value.source == str(path)


def test_a_bad_key_after_good_ones_yields_no_policy(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path, '[cadence]\nliaison = "year"\n[calendar]\ntimezone = "Mars"\n')
    with pytest.raises(InvalidPolicy) as info:
        Policy.load(path)
    assert info.value.key == "calendar.timezone"


def test_from_mapping_refuses_data_that_is_not_a_mapping() -> None:
    with pytest.raises(InvalidPolicy) as info:
        Policy.from_mapping(["cadence"])  # type: ignore[arg-type]
    assert info.value.key == ""
    assert "mapping of sections" in info.value.reason


def test_from_mapping_refuses_a_blank_class_name() -> None:
    with pytest.raises(InvalidPolicy) as info:
        Policy.from_mapping({"org_types": {" ": {"method": "talk"}}})
    assert info.value.key == "org_types"
    assert "name" in info.value.reason


# ---- building a policy in code -------------------------------------------------------------------


def test_a_class_rule_refuses_an_occasion_of_another_method() -> None:
    with pytest.raises(InvalidPolicy) as info:
        ClassRule(method=Method.ON_SITE, occasion=Occasion.GROUP_STUDY)
    assert info.value.key == "occasion"
    assert "'centralized'" in info.value.reason


def test_a_class_rule_refuses_a_plain_string_for_a_cadence() -> None:
    with pytest.raises(InvalidPolicy) as info:
        ClassRule(member_cadence="month")  # type: ignore[arg-type]
    assert info.value.key == "member_cadence"


def test_policy_refuses_a_method_whose_default_occasion_no_longer_fits() -> None:
    with pytest.raises(InvalidPolicy) as info:
        Policy(member_method=Method.TALK)
    assert info.value.key == "methods.member_occasion"
    assert "belongs to the method 'centralized'" in info.value.reason


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"reminder_days": -1}, "deadlines.reminder_days"),
        ({"reminder_days": True}, "deadlines.reminder_days"),
        ({"closeout_required": 1}, "workflow.closeout_required"),
        ({"timezone": "Nowhere/Town"}, "calendar.timezone"),
        ({"summary_deadline": "12-30"}, "deadlines.summary"),
        ({"liaison_cadence": "quarter"}, "cadence.liaison"),
        ({"member_method": "centralized"}, "methods.member"),
        ({"org_types": {"机关": "year"}}, "org_types.机关"),
        (
            {"post_categories": {"流动": ClassRule(liaison_cadence=PeriodKind.YEAR)}},
            "post_categories.流动.liaison_cadence",
        ),
    ],
)
def test_policy_built_in_code_is_checked_like_a_file(changes: dict[str, object], key: str) -> None:
    with pytest.raises(InvalidPolicy) as info:
        Policy(**changes)  # type: ignore[arg-type]
    assert info.value.key == key


def test_a_policy_is_immutable() -> None:
    policy = Policy(org_types={"离退休": ClassRule(liaison_cadence=PeriodKind.YEAR)})
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        policy.reminder_days = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        policy.org_types["机关"] = ClassRule()  # type: ignore[index]


def test_a_policy_does_not_share_the_mapping_it_was_given() -> None:
    rules = {"离退休": ClassRule(liaison_cadence=PeriodKind.YEAR)}
    policy = Policy(org_types=rules)
    rules["离退休"] = ClassRule(liaison_cadence=PeriodKind.MONTH)
    assert policy.liaison_cadence_for("离退休") is PeriodKind.YEAR


def test_equal_policies_are_equal_and_hash_alike() -> None:
    one = Policy(org_types={"离退休": ClassRule(liaison_cadence=PeriodKind.YEAR)})
    two = Policy.from_toml('[org_types."离退休"]\nliaison_cadence = "year"\n')
    assert one == two
    assert hash(one) == hash(two)
    assert one != Policy.default()
    assert {one: "x"}[two] == "x"


# ---- round trip ----------------------------------------------------------------------------------

method_and_occasion = st.sampled_from(Method).flatmap(
    lambda method: st.tuples(
        st.just(method),
        st.none() | st.sampled_from([o for o in Occasion if o.method is method]),
    )
)

deadlines = st.one_of(
    st.dates(dt.date(2000, 1, 1), dt.date(2000, 12, 31)).map(
        lambda d: Deadline.day_of_year(d.month, d.day)
    ),
    st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)).map(Deadline.on),
    st.integers(1, 400).map(Deadline.working_days),
    st.integers(1, 400).map(Deadline.calendar_days),
)

cadences = st.none() | st.sampled_from(PeriodKind)


@st.composite
def class_rules(draw: st.DrawFn, *, liaison: bool) -> ClassRule:
    method, occasion = draw(method_and_occasion)
    shape = draw(st.sampled_from(["neither", "method", "occasion", "both"]))
    return ClassRule(
        liaison_cadence=draw(cadences) if liaison else None,
        member_cadence=draw(cadences),
        method=method if shape in {"method", "both"} else None,
        occasion=occasion if shape in {"occasion", "both"} else None,
    )


class_names = st.sampled_from(["离退休", "机关", "医院", "流动", "医生"]) | st.text(
    min_size=1
).filter(str.strip)


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    liaison_method, liaison_occasion = draw(method_and_occasion)
    member_method, member_occasion = draw(method_and_occasion)
    return Policy(
        liaison_cadence=draw(st.sampled_from(PeriodKind)),
        member_cadence=draw(st.sampled_from(PeriodKind)),
        liaison_method=liaison_method,
        liaison_occasion=liaison_occasion,
        member_method=member_method,
        member_occasion=member_occasion,
        summary_deadline=draw(deadlines),
        closeout_required=draw(st.booleans()),
        timezone=draw(st.sampled_from(["Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "UTC"])),
        reminder_days=draw(st.integers(0, 60)),
        org_types=draw(st.dictionaries(class_names, class_rules(liaison=True), max_size=3)),
        post_categories=draw(st.dictionaries(class_names, class_rules(liaison=False), max_size=3)),
    )


@given(policies())
def test_from_mapping_reads_back_what_to_mapping_writes(policy: Policy) -> None:
    again = Policy.from_mapping(policy.to_mapping())
    assert again == policy
    assert hash(again) == hash(policy)


@given(policies())
def test_to_mapping_holds_only_toml_values(policy: Policy) -> None:
    def leaves(value: object) -> list[object]:
        if isinstance(value, dict):
            return [leaf for item in value.values() for leaf in leaves(item)]
        return [value]

    assert all(type(leaf) in {str, int, bool} for leaf in leaves(policy.to_mapping()))


@given(policies(), class_names, class_names)
def test_r_meth_every_answered_occasion_belongs_to_its_method(
    policy: Policy, post_category: str, org_type: str
) -> None:
    for method, occasion in (
        policy.liaison_method_for(org_type),
        policy.member_method_for(post_category, org_type),
    ):
        assert occasion is None or occasion.method is method
