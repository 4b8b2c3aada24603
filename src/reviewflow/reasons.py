"""Why a value or a change is refused: one catalogue of keyed reasons, each in English and Chinese.

An error that carries a free-text reason (``InvalidInput.reason``, ``RosterConflict.reason``,
``GuardFailed.reason``, ``OutOfScope.reason``) is given a :class:`Reason`: a stable ``key`` from
:data:`REASONS` and its ``params``. The key is in the error's ``params`` (``reason_key``), so that a
host can branch on it; ``reason`` stays the English sentence, and the error's ``message_zh`` is
built from the Chinese one, so that it holds no English fragment.

Each entry is a pair of ``str.format`` templates over the params: English, then Chinese. A param
that is a vocabulary member (it has ``label_zh``) is shown by its value in English and by its
Chinese label in Chinese; a list is joined (a tuple, a compound key, is joined in Chinese only);
a nested :class:`Reason` is rendered in the same
language. Field names and record kinds have Chinese names of their own (:data:`FIELDS_ZH`,
:data:`KINDS_ZH`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Final

import attrs

__all__ = [
    "FIELDS_ZH",
    "KINDS_ZH",
    "PHRASES_ZH",
    "REASONS",
    "Reason",
    "because",
    "field_zh",
    "kind_zh",
    "phrase_zh",
]

REASONS: Final[Mapping[str, tuple[str, str]]] = {
    # -- texts, ids and values (R-INPUT) ------------------------------------------------------
    "not_a_text": ("must be a text", "须为文字"),
    "not_an_id": ("must be an id (a text)", "须为编号（文字）"),
    "empty": ("must not be empty", "不能为空"),
    "empty_because": ("must not be empty: {why}", "不能为空：{why}"),
    "empty_text": ("must be a non-empty text", "须填写，不能为空"),
    "empty_string": ("must be a non-empty string", "须填写，不能为空"),
    "too_long": (
        "is {length:,} characters long; at most {limit:,} are kept",
        "共 {length} 个字符，超过了上限 {limit} 个字符：请删减后再提交",
    ),
    "surrogate": (
        "holds half of a surrogate pair at character {position}: not text",
        "第 {position} 个字符是残缺的字符编码，不是正常文字：请删去后重新输入",
    ),
    "control_character": (
        (
            "holds the control character U+{code:04X} at character {position}: only line feeds and "
            "tabs are kept; remove it (a paste from Word or a spreadsheet often brings one)"
        ),
        (
            "第 {position} 个字符是不可见的控制字符（U+{code:04X}），只保留换行和制表符：请删去它"
            "（从 Word 或表格中粘贴常会带入此类字符）"
        ),
    ),
    "not_a_record": ("must be a roster record (a {kind})", "须为名册记录（{kind_zh}）"),
    "not_a_date": ("must be a date (datetime.date)", "须为日期"),
    "in_future": (
        "lies in the future (today is {today})",
        "不能晚于今天（今天是 {today}）",
    ),
    "not_a_date_or_deadline": (
        "must be a date or a deadline like '10 working days'",
        "须为日期，或如“10个工作日”的期限",
    ),
    "one_of": ("must be one of: {choices}", "请从以下选项中选择：{labels}"),
    "not_a_value_of": ("must be a {vocabulary} value", "不是可选的值：请从列表中选择"),
    "names_list": ("a list of names, one or more", "须为一个或多个姓名"),
    "name_one": ("name at least one", "至少填写一个"),
    "not_an_id_list": ("must be a list of review ids", "须为领导点评编号的列表"),
    "named_twice": ("a review is named twice", "同一项领导点评出现了两次：请删去重复的一项"),
    "at_least_one": ("must be at least 1", "至少为 1"),
    "whole_at_least_one": ("must be a whole number of at least 1", "须为不小于 1 的整数"),
    "longer_than_zero": ("must be longer than zero", "须长于零"),
    "first_delay": (
        "the first delay must be longer than zero",
        "首次重试前的等待时间须长于零",
    ),
    "aware_datetime": ("must be a timezone-aware datetime", "须为带时区的时间"),
    "host_autocommits": (
        (
            "the host's connection commits each statement (isolation_level AUTOCOMMIT): the "
            "store's writes would be committed at once, outside the host's transaction; hand "
            "the store a connection in a transaction"
        ),
        (
            "主系统的数据库连接设为自动提交（AUTOCOMMIT），本系统的每次写入都会立即提交，"
            "不在主系统的事务之内：请传入处于事务中的连接"
        ),
    ),
    # -- the outbox ------------------------------------------------------------------------------
    "event_kind": ("must be one of: {kinds}", "不是可识别的通知类型，应为以下之一：{kinds}"),
    "webhook_url": (
        "a webhook is an http:// or https:// URL",
        "接收通知的地址须以 http:// 或 https:// 开头",
    ),
    "message_not_dead": (
        "the message is {state}, not dead",
        "该通知的状态是“{state}”，不是“停发”：无需重新入队",
    ),
    "no_outbox": (
        "the store {url} has no outbox (OutboxStore) to queue in",
        (
            "数据库 {url} 没有发件箱（OutboxStore），无法写入待发通知："
            "请换用支持发件箱的存储，或不启用发件箱"
        ),
    ),
    "a_year": ("a year, like 2023", "须为年份，如 2023"),
    "a_year_up_to": ("a year up to this one ({year})", "须为不晚于今年（{year}年）的年份"),
    "summary_year": (
        "a summary covers a year, like 2023",
        "点评情况总结按年度提交，请填写年份，如 2023",
    ),
    "whole_number": (
        "the number of working days is a whole number, 0 or more",
        "工作日数须为 0 或正整数",
    ),
    "no_workday": (
        "has no working day in the {days} days up to {day}; pass a calendar with working days",
        "截至 {day} 的 {days} 天内没有一个工作日：请使用含有工作日的日历",
    ),
    # -- a step's arguments and content (payloads.py, content.py) -------------------------------
    "unknown_arguments": (
        "not an argument of this step; it takes {takes}",
        "不是这一步骤的填写项：这一步骤只填写{takes_zh}",
    ),
    "no_arguments": ("no arguments", "（无填写项）"),
    "missing_arguments": ("missing: this step needs them", "未填写：这一步骤需要这些项"),
    "ids_unique": (
        "ids must be unique within the review",
        "编号在同一项领导点评中不能重复：请重新提交",
    ),
    "say_why_review_ends": (
        "must not be empty: say why the review ends",
        "不能为空：请说明结束这项领导点评的理由",
    ),
    "not_an_aspect": (
        "not an aspect of a {kind} review; use one of {aspects}",
        "不是{kind}点评的方面：请从 {aspects} 中选择",
    ),
    "achievements_or_problems": (
        "state achievements or problems, or both",
        "请填写肯定成绩或指出问题，或两者都填写",
    ),
    "comment_needs_content": (
        "a comment on {aspect} needs achievements or problems",
        "对“{aspect}”的点评须填写肯定成绩或指出问题",
    ),
    "state_direction": ("state the direction of effort", "请填写努力方向"),
    "no_such_commitment": (
        "no commitment with this id was reported",
        "汇报中没有这项公开承诺：请从列表中选择",
    ),
    "no_such_problem": (
        "no such problem in this review",
        "这项领导点评中没有所选的问题：请从列表中选择",
    ),
    "no_such_participant": (
        "no such participant in this review",
        "这项领导点评中没有所选的参加人员：请从列表中选择",
    ),
    "no_such_requirement": (
        "no such requirement in this review",
        "这项领导点评中没有所选的整改要求：请从列表中选择",
    ),
    "no_such_item": (
        "no such ledger item in this review",
        "这项领导点评的整改台账中没有所选事项：请从列表中选择",
    ),
    "done_date_only_when_done": (
        "only a done item has a done date",
        "只有已完成的事项才填写完成日期",
    ),
    "occasion_of_other_method": (
        (
            "{occasion} belongs to {occasion_method}, not to {method}; choose an occasion of that "
            "method"
        ),
        "“{occasion}”属于{occasion_method}，不属于{method}：请选择该点评方式下的场合",
    ),
    # -- the workflow (workflow.py) -------------------------------------------------------------
    "not_a_step": ("not a step of the workflow", "不是点评流程中的步骤"),
    "created_once": ("a review is created only once", "一项领导点评只能创建一次"),
    "history_starts_with_creation": (
        "the first entry of a history creates the review",
        "办理记录的第一条须是创建这项领导点评",
    ),
    "not_an_action": ("not an action of the workflow", "不是点评流程中的操作"),
    # -- periods and deadlines (periods.py) -----------------------------------------------------
    "period_forms": (
        (
            "a period is written as a month '2023-11', a quarter '2023-Q4' or a year '2023' "
            "(or as 2023年11月, 2023年第四季度, 2023年)"
        ),
        "周期写作 2023年11月、2023年第四季度、2023年（或 2023-11、2023-Q4、2023）",
    ),
    "period_part": ("{inner} (got {value!r}); {forms}", "{inner}；{forms}"),
    "period_year": (
        "the year of a period is a whole number from {first} to {last}",
        "周期的年份须为 {first} 至 {last} 之间的整数",
    ),
    "period_kind": (
        "the kind of a period is PeriodKind.MONTH, QUARTER or YEAR",
        "周期须为月、季度或年",
    ),
    "period_index_year": (
        "the year of a period a year's index is always 1",
        "年度周期的序号只能是 1",
    ),
    "period_index": (
        "the {kind} of a period runs from 1 to {count}",
        "周期的{kind}须在 1 至 {count} 之间",
    ),
    "period_split": (
        "a {kind} cannot be split into {part}s: a {part} is longer than a {kind}",
        "{kind}不能按{part}划分：{part}比{kind}长",
    ),
    "deadline_forms": (
        (
            "a deadline is written as a date '2023-12-30', a day of the year '12-30', "
            "'10 working days' or '15 calendar days' (also '1 working day', '10个工作日', '15天', "
            "'15日')"
        ),
        "期限写作日期（如 2023-12-30）、每年的某一天（如 12-30），或如“10个工作日”“15天”",
    ),
    "deadline_part": ("{inner}; {forms}", "{inner}；{forms}"),
    "deadline_kind": ("the kind of a deadline is a DeadlineKind", "期限的种类有误"),
    "deadline_fixed_shape": (
        "a fixed-date deadline has a date and nothing else",
        "固定日期的期限只有一个日期",
    ),
    "deadline_fixed_date": (
        "a fixed deadline is a date (no time)",
        "固定日期的期限须为日期（不含时刻）",
    ),
    "deadline_day_of_year_shape": (
        "a day-of-year deadline has a month and a day only",
        "每年某一天的期限只有月和日",
    ),
    "deadline_days_shape": ("a deadline in days has a day count only", "按天数计的期限只有天数"),
    "deadline_days_count": ("a deadline in days counts 1 day or more", "按天数计的期限至少为 1 天"),
    "no_such_date": ("no such date: {detail}", "没有这一天"),
    "deadline_after_9999": (
        "from {start} it would fall after 9999-12-31",
        "从 {start} 起算，期限将晚于 9999-12-31",
    ),
    "day_of_year_numbers": (
        "a day of the year is a month and a day, as numbers",
        "每年的某一天须写作数字的月和日",
    ),
    "no_such_day_of_year": (
        "no such day of the year (months 01-12, days as in a leap year)",
        "一年中没有这一天（月为 01-12，日按闰年计）",
    ),
    "day_of_year_year": (
        "the year of a day-of-year deadline is a whole number",
        "每年某一天的期限，其年份须为整数",
    ),
    "day_of_year_not_in_year": (
        "cannot fall in the year {year}: {detail}",
        "{year}年没有这一天",
    ),
    # -- the policy file (policy.py) ---------------------------------------------------------
    "policy_occasion_mismatch": (
        (
            "the occasion {occasion!r} ({occasion_zh}) belongs to the method {occasion_method!r} "
            "({occasion_method_zh}), not to {method!r}; set the method to {occasion_method!r}, or "
            "choose an occasion of {method!r}: {occasions}"
        ),
        (
            "场合“{occasion_zh}”属于{occasion_method_zh}，不属于{method_zh}：请把点评方式设为"
            "{occasion_method_zh}，或选择{method_zh}的场合"
        ),
    ),
    "policy_expected_enum": ("expected a {enum}, one of: {choices}", "须为以下之一：{choices}"),
    "policy_blank_name": (
        "every entry needs a name that is not blank",
        "每一项都须有名称，不能为空白",
    ),
    "policy_expected_rule": ("expected a ClassRule", "须为一条分类规则"),
    "policy_post_category_liaison": (
        (
            "a post category applies to member reviews only; set the liaison cadence per "
            "organization type (org_types)"
        ),
        "岗位类别只适用于党员点评：联系点的点评周期请按组织类别（org_types）设置",
    ),
    "policy_post_category_liaison_in": (
        (
            "a post category applies to member reviews only; set the liaison cadence per "
            "organization type (org_types); expected one of: {choices}"
        ),
        "岗位类别只适用于党员点评：联系点的点评周期请按组织类别（org_types）设置；这里可填：{choices}",
    ),
    "policy_expected_occasion": (
        "expected an Occasion, one of: {choices}, or None",
        "须为以下场合之一：{choices}，或不填",
    ),
    "policy_expected_deadline": ("expected a Deadline", "须为期限"),
    "policy_expected_bool": ("expected true or false, not {kind}", "须为 true 或 false"),
    "policy_expected_path": (
        "expected the path of a holiday calendar file, not {kind}",
        "须为节假日文件的路径",
    ),
    "policy_expected_days": (
        "expected a whole number of days, 0 or more, not {kind}",
        "须为 0 或更大的整数天数",
    ),
    "policy_negative_days": (
        "expected 0 or more days, not {value}",
        "天数不能为负数（填写的是 {value}）",
    ),
    "policy_expected_timezone": (
        "expected a time zone name such as 'Asia/Shanghai', not {kind}",
        "须为时区名称，如 Asia/Shanghai",
    ),
    "policy_unknown_timezone": (
        (
            "unknown time zone {value!r}; expected an IANA time zone name such as "
            "'Asia/Shanghai' (names are case-sensitive)"
        ),
        "没有名为“{value}”的时区：请填写标准时区名称，如 Asia/Shanghai（区分大小写）",
    ),
    "policy_missing": (
        "the policy file is missing: no file at this path",
        "找不到政策文件：该路径下没有文件",
    ),
    "policy_not_utf8": (
        "the policy file is not UTF-8 text (byte {byte} cannot be read); save it as UTF-8",
        "政策文件不是 UTF-8 编码的文本（第 {byte} 个字节无法读取）：请另存为 UTF-8 编码",
    ),
    "policy_unreadable": (
        "the policy file cannot be read: {detail}",
        "无法读取政策文件：请检查文件是否存在及读取权限",
    ),
    "not_toml": ("not valid TOML: {detail}", "不是有效的 TOML 格式：请检查文件的写法"),
    "policy_expected_table": ("expected {what}, not {kind}", "须为一个表（TOML 的 [节]）"),
    "policy_unknown_name": (
        "unknown {what}{suggest}; expected one of: {choices}",
        "不认识“{word}”{suggest_zh}：可用的有 {choices}",
    ),
    "policy_expected_string": (
        "expected one of: {choices} (a string), not {kind}",
        "须为以下之一（用引号括起的文字）：{choices}",
    ),
    "policy_unknown_value": (
        "unknown value {value!r}{suggest}; expected one of: {choices}",
        "不认识“{value}”{suggest_zh}：可用的有 {choices}",
    ),
    "policy_or_none": ('{inner}, or "" for none', "{inner}，或留空"),
    "policy_expected_deadline_text": (
        "expected a deadline as a string such as '12-30', not {kind}",
        "须为用引号括起的期限，如 '12-30'",
    ),
    # -- the holiday calendar file (holidays.py) ---------------------------------------------
    "calendar_unreadable": ("cannot be read: {detail}", "无法读取：请检查文件是否存在及读取权限"),
    "calendar_not_utf8": (
        "is not UTF-8 text: save it as UTF-8",
        "不是 UTF-8 编码的文本：请另存为 UTF-8 编码",
    ),
    "calendar_not_toml": ("is not valid TOML: {detail}", "不是有效的 TOML 格式：请检查文件的写法"),
    "calendar_years": ("must be a table of years", "须按年份分节，如 [2027]"),
    "calendar_year_name": ("a table's name is a year, like [2027]", "节的名称须为年份，如 [2027]"),
    "calendar_year_table": (
        "must be a table with holidays and workdays",
        "须为含 holidays（放假日）和 workdays（调休上班日）的一节",
    ),
    "calendar_unknown_key": (
        "not a key of a year; use holidays and workdays",
        "年份下只能写 holidays（放假日）和 workdays（调休上班日）",
    ),
    "calendar_weekday_worked": (
        (
            "{day} is a {weekday}, a working day anyway: list only the Saturdays and Sundays that "
            "are worked (调休上班)"
        ),
        "{day} 本来就是工作日：workdays 只列调休上班的星期六、星期日",
    ),
    "calendar_both": (
        "{day} is listed both as a holiday and as a workday",
        "{day} 既列为放假日又列为调休上班日：请只保留一处",
    ),
    "calendar_list": ("must be a list of dates", "须为日期的列表"),
    "calendar_range_ends": (
        "a range has two ends: 2027-02-06/2027-02-12",
        "日期范围只有起止两端，如 2027-02-06/2027-02-12",
    ),
    "calendar_date_form": (
        "write a date as 2027-01-01, a range as 2027-02-06/2027-02-12",
        "日期写作 2027-01-01，日期范围写作 2027-02-06/2027-02-12",
    ),
    "calendar_entry": ("must be a date or a range of dates", "须为日期或日期范围"),
    "calendar_backwards": ("the range runs backwards", "日期范围的结束早于开始：请对调起止日期"),
    "calendar_other_year": ("{day} is not in {year}", "{day} 不在 {year} 年内：请写在该年份的一节"),
    # -- the roster (roster.py, roster_changes.py, service/_roster.py) --------------------------
    "person_id_twice": (
        "a person id is used for a member and for office staff",
        "同一个人员编号既用于党员又用于办公室工作人员：请为他们分别编号",
    ),
    "appears_twice": (
        "{what} {key!r} appears twice",
        "{what_zh}“{key}”出现了两次：请删去重复的一条",
    ),
    "parent_not_on_roster": (
        "organization {org!r} names parent {parent!r}, which is not on the roster",
        "党组织“{org}”的上级党组织“{parent}”不在名册中：请先导入上级党组织",
    ),
    "org_not_on_roster": (
        "member {member!r} names organization {org!r}, which is not on the roster",
        "党员“{member}”所在的党组织“{org}”不在名册中：请先导入该党组织",
    ),
    "head_not_member": (
        "the head {head!r} of organization {org!r} must be a member of that organization",
        "党组织“{org}”的负责人“{head}”须是该组织的党员",
    ),
    "former_head_not_on_roster": (
        "organization {org!r} names former head {head!r}, who is not on the roster",
        "党组织“{org}”的前任负责人“{head}”不在名册中",
    ),
    "former_org_not_on_roster": (
        "member {member!r} names former organization {org!r}, which is not on the roster",
        "党员“{member}”原所在的党组织“{org}”不在名册中",
    ),
    "liaison_not_member": (
        "liaison {link!r}: {member!r} is not a member",
        "联系点（{link}）：“{member}”不是党员",
    ),
    "liaison_not_committee": (
        (
            "liaison {link!r}: {member!r} is not on the leadership team of a Party committee "
            "(R-SCOPE-1)"
        ),
        "联系点（{link}）：“{member}”不是党委班子成员，不能建立联系点",
    ),
    "liaison_org_not_on_roster": (
        "liaison {link!r}: organization {org!r} is not on the roster",
        "联系点（{link}）：党组织“{org}”不在名册中",
    ),
    "tree_cycle": (
        "organization {org!r} is its own ancestor: the tree has a cycle",
        "党组织“{org}”成了自己的上级：组织关系出现了循环，请改正上级党组织",
    ),
    "self_liaison": (
        (
            "liaison {link!r}: {org!r} is {name}'s own organization, and nobody reviews themselves "
            "(R-SCOPE-3): name a point outside it; the organization above reviews this one"
        ),
        (
            "联系点（{link}）：“{org}”是{name}本人所在的党组织，本人不点评自己：请另选联系点，"
            "该组织由上级党组织点评"
        ),
    ),
    "import_reparents": (
        (
            "an import may not re-parent organizations: found a new parent for {org!r}; set up the "
            "organization under its new parent and move its members (move_member)"
        ),
        (
            "导入名册不能改变党组织的上级：“{org}”的上级有变化。请在新的上级下设立该组织，"
            "再办理党员组织关系转接"
        ),
    ),
    "import_drops_head": (
        (
            "the file names no head for {org!r}, whose head is {head!r}: name the new head "
            "(change_head), or record the head's departure (member_leaves, move_member)"
        ),
        (
            "名册文件没有写明“{org}”的负责人（现任为“{head}”）：请办理负责人调整，"
            "或先办理该负责人离开或组织关系转接"
        ),
    ),
    "import_redates": (
        (
            "{what} {target!r} {verb} on {on}: an import does not change or undo that (leave the "
            "record out of the file, or give the same date)"
        ),
        (
            "{what_zh}“{target}”已于 {on} {verb_zh}，导入名册不能更改或撤回：请在文件中删去该记录，"
            "或写明同一日期"
        ),
    ),
    "import_hidden_changes": (
        (
            "the file changes what only an office operation changes: {operations}; import it with "
            "the day the changes take effect (effective_on, the command line's --effective), or "
            "use {names}, which deal with the reviews already scheduled"
        ),
        (
            "名册文件中有只能由办公室专门办理的变动：{operations_zh}。请写明变动生效的日期再导入"
            "（命令行为 --effective），或逐项办理这些变动，这样已安排的领导点评会随之调整"
        ),
    ),
    "liaison_exists": (
        "this liaison assignment exists already",
        "该联系点已经存在，未作调整",
    ),
    "org_dissolved": ("the organization is dissolved", "该党组织已撤销"),
    "org_dissolved_already": (
        "the organization is dissolved already",
        "该党组织已经撤销，未作调整",
    ),
    "member_left": ("the member has left", "该党员已离开党组织"),
    "member_left_already": ("the member has left already", "该党员已经离开党组织，未作调整"),
    "member_there_already": ("the member is there already", "该党员已在这个党组织，未作调整"),
    "dissolve_nonempty": (
        "move its members and organizations elsewhere first, then dissolve it",
        "该党组织还有党员或下级组织：请先将其转出，再撤销该组织",
    ),
    "head_left": ("{name} has left the Party organization", "{name}已离开党组织"),
    "head_elsewhere": (
        (
            "{name} is a member of {member_org!r}, not of {org!r}: move the member there first "
            "(move_member), then make them its head"
        ),
        "{name}是“{member_org}”的党员，不是“{org}”的党员：请先办理组织关系转接，再任命为负责人",
    ),
    "head_already": (
        "{name} is the head of {org_name} already",
        "{name}已是{org_name}的负责人，未作调整",
    ),
    "head_since": (
        "the present head took office on {since}: a change of head falls after that day",
        "现任负责人于 {since} 任职：调整日期须晚于这一天",
    ),
    "term_ended": (
        "the last recorded term ended on {ended}: give a later day",
        "上一任期于 {ended} 结束：请填写更晚的日期",
    ),
    "liaison_since": (
        "the liaison point began on {since}: give a later day",
        "该联系点自 {since} 起建立：请填写更晚的日期",
    ),
    "say_why_head_changes": (
        "say why the head changes (书记调整, 换届)",
        "请说明负责人调整的原因（如书记调整、换届）",
    ),
    "say_why_liaison_changes": ("say why the liaison reviewer changes", "请说明联系点调整的原因"),
    "say_why_member_left": ("say why the member left", "请说明党员离开的原因"),
    "say_why_dissolved": ("say why the organization is dissolved", "请说明撤销该党组织的原因"),
    # -- the office's records (service/_office.py, _records.py, _slots.py) ----------------------
    "order_not_issued": (
        "only an issued order is reported",
        "只有已下达的整改通知才能报告整改情况",
    ),
    "order_not_reported": (
        "only a reported order can be verified",
        "只有已报告整改情况的通知才能核查",
    ),
    "say_what_was_done": ("say what was done", "请说明整改做了什么"),
    "review_of_other_subject": (
        "that review is of another subject",
        "所选的领导点评属于另一个点评对象",
    ),
    "describe_deeds": ("describe the deeds", "请填写先进事迹"),
    "inspection_elsewhere": (
        "that inspection was of {org!r}, and the subject lies outside it",
        "所选的督导检查针对“{org}”，而点评对象不在其范围内",
    ),
    "group_no_summary": (
        "a Party group (党小组) submits no summary of its own",
        "党小组不单独提交点评情况总结",
    ),
    "summary_before_year": (
        "lies before the year {year} the summary covers",
        "早于总结所属的 {year} 年",
    ),
    "summary_submitted": (
        "the {year} summary of {org!r} was submitted already, on {on} (reference {reference!r})",
        "“{org}”{year}年的点评情况总结已于 {on} 提交（文号 {reference}），不能重复提交",
    ),
    "say_why_reopened": ("say why the slot is opened again", "请说明重新开启的理由"),
    "say_why_not_applicable": (
        "say why the slot should never have existed",
        "请说明该点评位置不适用的理由",
    ),
    "slot_taken": (
        "the slot has a review already: {advice}",
        "该点评位置已有其他领导点评：{advice}",
    ),
    "slot_reopen_last": (
        "open the slot's last review {review!r} again instead",
        "请改为重新开启该位置最近的一项领导点评 {review}",
    ),
    "slot_ended": (
        "the slot's review {review!r} has ended as {state}",
        "该位置的领导点评 {review} 已{state}",
    ),
    "slot_open": (
        "the slot's review {review!r} is open ({state})",
        "该位置的领导点评 {review} 正在办理（{state}）",
    ),
    # -- scope (R-SCOPE-4) ----------------------------------------------------------------------
    "only_parties": ("only the {parties} may", "只有{parties_zh}可以办理"),
    "not_their_review": ("it is not one of their reviews", "这不是本人参与的领导点评"),
    "not_on_roster": ("they are not on the roster", "操作人不在名册中"),
    "only_office": ("only the office may", "只有办公室可以办理"),
    "only_office_or_head": (
        "only the office, or the head of the organization or one above it, may",
        "只有办公室，或该党组织及其上级党组织的负责人可以办理",
    ),
    "only_office_or_reviewer": (
        "only the office or its reviewer may",
        "只有办公室或该点评的点评领导可以办理",
    ),
    "only_office_or_own_head": (
        "only the organization's head, or the office on its behalf, may",
        "只有该党组织的负责人，或代其办理的办公室可以办理",
    ),
    "only_office_or_any_head": (
        "only the office, or the head of an organization, may",
        "只有办公室或党组织负责人可以办理",
    ),
    "not_order_subject": ("not its subject", "操作人不是该整改通知的对象"),
    "first_import_actor": (
        "the first import must name its actor among the office staff it imports",
        "第一次导入名册时，操作人须在所导入的办公室工作人员之中",
    ),
    # -- the guards of R-STEP-1..4 (guards.py) --------------------------------------------------
    "no_situation_report": ("no situation report has been heard", "尚未听取情况汇报"),
    "no_method_and_date": (
        "the method and date of the review are not recorded",
        "尚未记录点评方式和日期",
    ),
    "aspects_uncommented": ("not every aspect has a comment", "还有方面未点评"),
    "no_achievements_or_direction": (
        "achievements and direction must both be stated",
        "肯定成绩和努力方向都须填写",
    ),
    "problems_without_requirements": (
        (
            "a problem raised has no rectification requirement, and the reviewer has not stated "
            "that none is needed"
        ),
        "指出的问题还没有整改要求，点评领导也未说明无需整改",
    ),
    "form_not_filled": ("the review form has not been filled in", "尚未填写点评表"),
    "not_filed": ("the form has not been filed with the office", "点评表尚未报办公室备案"),
    "not_publicized": ("the review has not been made public", "点评情况尚未公开"),
    "ledger_not_done": ("the rectification ledger is not done", "整改台账尚未全部完成"),
    "no_written_reply": (
        "the written reply to the reviewer is not recorded",
        "尚未记录给点评领导的书面回复",
    ),
    "closeout_not_confirmed": (
        "the reviewer has not confirmed the closeout",
        "点评领导尚未确认销号",
    ),
    "ledger_closed": (
        (
            "the written reply is recorded on the finished ledger, which is now closed: the "
            "reviewer confirms the closeout and closes the review"
        ),
        "书面回复已按完成的整改台账记录，台账已关闭：请点评领导确认销号并办结",
    ),
}
"""Every reason, by key: its English and its Chinese template."""

FIELDS_ZH: Final[Mapping[str, str]] = {
    "summary": "工作情况", "ideas_and_measures": "思路和措施", "commitments": "公开承诺",
    "reported_on": "汇报日期", "method": "点评方式", "occasion": "结合场合", "held_on": "点评日期",
    "aspect": "点评方面", "achievements": "肯定成绩", "direction": "努力方向",
    "suggestions": "意见建议", "commitment_id": "公开承诺", "status": "状态", "name": "姓名",
    "capacity": "身份", "opinion": "意见", "problem_ids": "针对的问题",
    "participant_id": "意见来源", "problems": "指出问题", "evidence": "践诺情况",
    "filled_on": "填表日期", "filing_no": "备案编号", "filed_on": "备案日期", "scope": "公开范围",
    "medium": "公开形式", "published_on": "公开日期", "requirement_id": "整改要求",
    "measure": "整改措施", "owner": "责任人", "due": "完成时限", "item_id": "台账事项",
    "done_on": "完成日期", "note": "说明", "text": "内容", "replied_on": "回复日期",
    "remark": "备注", "confirmed_on": "销号日期", "reason": "理由", "period": "周期",
    "criticism": "批评意见", "requirement": "整改要求", "deadline": "期限",
    "subject_id": "点评对象", "reviewer_id": "点评领导", "org_id": "党组织",
    "to_org_id": "转入的党组织", "member_id": "党员", "on": "日期", "year": "年度",
    "review_ids": "领导点评", "review_id": "领导点评", "schedule_batch": "每批数量",
    "deeds": "先进事迹", "report": "整改情况", "source_review_id": "所依据的领导点评",
    "inspection_id": "督导检查", "submitted_on": "提交日期", "arguments": "填写项",
    "trigger": "步骤", "action": "操作", "calendar": "日历", "n": "工作日数",
    "id": "编号", "parent_id": "上级党组织", "head_id": "负责人", "kind": "种类",
    "org_type": "组织类别", "post_category": "岗位类别", "reference": "文号",
    "names": "姓名", "closeout": "销号", "ledger": "整改台账", "finding": "发现的问题",
    "organization": "党组织", "member": "党员", "office_staff": "办公室工作人员",
    "liaison": "联系点", "committee_member_id": "党委班子成员", "since": "起始日期",
    "until": "结束日期", "left_on": "离开日期", "dissolved_on": "撤销日期",
    "Method": "点评方式", "Occasion": "结合场合", "Aspect": "点评方面", "Medium": "公开形式",
    "ParticipantCapacity": "身份", "FulfilmentStatus": "践诺状态", "ItemStatus": "事项状态",
    "OrgKind": "党组织层级", "Role": "职务", "ReviewKind": "点评类别", "Basis": "点评依据",
    "MemberStatus": "党员类别", "OrderStatus": "通知状态", "Party": "办理方",
}  # fmt: skip
"""The Chinese name of each field a refusal may name (``organization.name`` is named by parts)."""

KINDS_ZH: Final[Mapping[str, str]] = {
    "review": "领导点评", "organization": "党组织", "member": "党员", "person": "人员",
    "office staff": "办公室工作人员", "liaison assignment": "联系点", "liaison point": "联系点",
    "supervision order": "整改通知", "inspection": "督导检查", "exemplar": "典型",
    "summary": "点评情况总结", "step": "步骤", "guard": "条件", "record": "记录",
    "planned review": "计划中的领导点评", "outbox message": "待发通知",
}  # fmt: skip
"""The Chinese name of each kind of record (``NotFound.kind``)."""


PHRASES_ZH: Final[Mapping[str, str]] = {
    # what an actor may not do (``OutOfScope.action``)
    "read this review": "查看这项领导点评", "import the roster": "导入名册",
    "verify the records": "核验记录", "verify a supervision order": "核查整改通知",
    "submit the yearly summary": "提交年度点评情况总结", "schedule reviews": "安排领导点评",
    "report on this order": "报告整改情况", "record an inspection": "记录督导检查",
    "record an exemplar's publicity": "记录典型的宣传情况", "record an exemplar": "记录典型",
    "record a departure": "办理党员离开", "read the summary": "查看点评情况总结",
    "read the inspections": "查看督导检查", "read the exemplars": "查看典型",
    "read the attempt log": "查看操作记录", "read coverage": "查看覆盖情况",
    "read a work list": "查看待办清单", "move a member": "办理党员组织关系转接",
    "list supervision orders": "查看整改通知", "list reviews": "查看领导点评",
    "list the summaries submitted": "查看已提交的点评情况总结",
    "issue a supervision order": "下达整改通知", "end a liaison": "结束联系点",
    "dissolve an organization": "撤销党组织", "check the deadlines": "检查期限",
    "change the head of an organization": "调整党组织负责人",
    "change a liaison reviewer": "调整联系点", "assign a liaison": "建立联系点",
    # what it was done to (``OutOfScope.subject``), where that is no id
    "the roster": "名册", "the whole roster": "整个名册", "roster": "名册",
    "the records": "记录", "the summaries submitted": "已提交的点评情况总结",
    "attempt log": "操作记录",
}  # fmt: skip
"""The fixed phrases that name what an actor tried (``OutOfScope.action``) and what it acted on
where that is no id, in Chinese. A step's action, ``comment (点评)``, names its own label."""


def phrase_zh(phrase: str) -> str:
    """The Chinese of a fixed phrase: ``comment (点评)`` as 点评; an unknown phrase (an id) as
    itself."""
    if phrase in PHRASES_ZH:
        return PHRASES_ZH[phrase]
    if phrase.endswith(")") and " (" in phrase:
        return phrase[phrase.index(" (") + 2 : -1]
    return phrase


def field_zh(field: str) -> str:
    """The Chinese name of ``field``: ``organization.name`` as 党组织·姓名; an unknown field as
    itself (an identifier of the host's, shown as data)."""
    if field in FIELDS_ZH:
        return FIELDS_ZH[field]
    parts = field.split(".")
    if len(parts) > 1 and all(p in FIELDS_ZH or p in KINDS_ZH for p in parts):
        return "·".join(FIELDS_ZH.get(p) or KINDS_ZH[p] for p in parts)
    return field


def kind_zh(kind: str) -> str:
    """The Chinese name of a kind of record; an unknown kind as itself."""
    return KINDS_ZH.get(kind, FIELDS_ZH.get(kind, kind))


def _shown(value: object, lang: str) -> object:
    """A param as a template shows it in ``lang``."""
    if isinstance(value, Reason):
        return value.render(lang)
    label = getattr(value, "label_zh", None)
    if isinstance(label, str):
        return label if lang == "zh" else str(getattr(value, "value", value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple) and lang == "en":
        return value  # a compound key (a liaison's), shown as Python shows it
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ("、" if lang == "zh" else ", ").join(str(_shown(v, lang)) for v in value)
    return value


def _plain(value: object) -> object:
    """A param as plain data (for ``details()`` and the attempt log)."""
    if isinstance(value, Reason):
        return {"key": value.key, "params": value.plain_params()}
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return str(_shown(value, "en"))


@attrs.frozen
class Reason:
    """A keyed reason (:data:`REASONS`) with its params, rendered in English or Chinese."""

    key: str = attrs.field()
    params: Mapping[str, Any] = attrs.field(factory=dict)

    @key.validator
    def _known(self, _attribute: attrs.Attribute[str], value: str) -> None:
        if value not in REASONS:
            raise KeyError(f"no reason {value!r} in reviewflow.reasons.REASONS")

    def render(self, lang: str = "en") -> str:
        """The sentence in ``lang`` ("en" or "zh")."""
        template = REASONS[self.key][1 if lang == "zh" else 0]
        return template.format(**{k: _shown(v, lang) for k, v in self.params.items()})

    @property
    def en(self) -> str:
        """The English sentence."""
        return self.render("en")

    @property
    def zh(self) -> str:
        """The Chinese sentence."""
        return self.render("zh")

    def plain_params(self) -> dict[str, object]:
        """The params as plain data."""
        return {k: _plain(v) for k, v in self.params.items()}

    def __str__(self) -> str:
        return self.en


def because(key: str, /, **params: Any) -> Reason:
    """The reason ``key`` of :data:`REASONS` with ``params``: ``because("empty")``."""
    return Reason(key, params)
