"""Tests for plan import parsing (domain.plans) on the real seed documents and excerpts."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.plans import (
    PlanParse,
    PlanTask,
    detect_and_parse,
    find_issue_date,
    parse_plan_text,
    parse_task_table,
    parse_tsv,
    parse_xlsx,
    split_units,
)

HERE = Path(__file__).resolve().parent
SHARED_SEEDS = HERE.parents[2] / "shared" / "seeds"  # ../shared/seeds, when beside the repo
# Copies of the two seed documents the parser is tested on, so these tests always run.
SEED_000 = HERE / "fixtures" / "seed_000_574af1fd03c501b8.txt"
SEED_003 = HERE / "fixtures" / "seed_003_f8b721dc40dbea42.txt"
EXCERPT_000 = HERE / "fixtures" / "plan_000_excerpt.txt"
EXCERPT_003 = HERE / "fixtures" / "plan_003_table_excerpt.txt"
D = date.fromisoformat


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fixture", [SEED_000, SEED_003], ids=lambda p: p.name)
def test_seed_fixtures_match_the_shared_documents(fixture: Path) -> None:
    shared = SHARED_SEEDS / fixture.name.removeprefix("seed_")
    if not shared.exists():
        pytest.skip(f"{SHARED_SEEDS} is not beside the repository (the fixture is used)")
    assert fixture.read_bytes() == shared.read_bytes()


def _by_number(parse: PlanParse) -> dict[str, PlanTask]:
    return {t.number: t for t in parse.tasks}


# ------------------------------------------------------------------ seed 000: prose plan
@pytest.fixture(params=["seed", "excerpt"])
def plan_000(request: pytest.FixtureRequest) -> tuple[str, PlanParse]:
    text = _read(SEED_000 if request.param == "seed" else EXCERPT_000)
    issued = find_issue_date(text)
    assert issued == D("2024-01-11")
    return request.param, parse_plan_text(text, issued)


def test_plan_000_common_facts(plan_000: tuple[str, PlanParse]) -> None:
    kind, parse = plan_000
    tasks = _by_number(parse)
    assert parse.warnings == ()
    first = tasks["1"]
    assert first.title.startswith("学习贯彻落实习近平总书记")
    assert first.lead_units == ("区政府办公室",)
    assert first.responsible_units == ("各相关职能部门", "各街道办事处")
    assert first.deadline.due_dates == (D("2024-01-20"),)
    assert first.deadline_text == "2024年1月20日前"
    assert first.measures.startswith("（1）梳理") and "\n（2）各部门" in first.measures
    assert first.section == "四、整改任务及措施"
    assert tasks["2"].deadline.ongoing and tasks["2"].deadline.due_dates == ()
    assert tasks["2"].lead_units == ("区政府办公室", "区执法局")
    twelve = tasks["12"]
    assert twelve.deadline_text == "限期整改、长期坚持" and twelve.deadline.ongoing
    assert twelve.responsible_units == ("区环境卫生综合服务中心",)
    assert tasks["13"].responsible_units == ()  # the plan names no 责任部门 for task 13
    assert tasks["13"].lead_units == ("区执法局", "区商务局")
    assert tasks["13"].deadline.due_dates == (D("2024-01-31"),)
    # 五、工作要求 also has numbered paragraphs; they are not tasks.
    assert not any(t.title.startswith("加强组织领导") for t in parse.tasks)


def test_plan_000_full_seed() -> None:
    text = _read(SEED_000)
    parse = parse_plan_text(text, find_issue_date(text))
    assert [t.number for t in parse.tasks] == [str(n) for n in range(1, 19)]
    tasks = _by_number(parse)
    assert all(not t.deadline.needs_review for t in parse.tasks)
    assert tasks["6"].deadline.due_dates == (D("2024-03-31"),)
    assert "bookmark" not in tasks["6"].measures
    assert tasks["8"].deadline.due_dates == (D("2024-12-15"),)
    assert tasks["14"].deadline.due_dates == (D("2024-03-31"),)  # "2024年3月底" without 前
    assert tasks["16"].deadline_text == "限期整改、长期坚持" and tasks["16"].responsible_units == ()
    assert len(tasks["18"].lead_units) == 7 and "机关事务服务中心" in tasks["18"].lead_units
    ongoing = sorted(int(t.number) for t in parse.tasks if t.deadline.ongoing)
    assert ongoing == [2, 3, 9, 10, 12, 16, 18]


# ------------------------------------------------------------------ seed 003: the task table
@pytest.fixture(params=["seed", "excerpt"])
def table_003(request: pytest.FixtureRequest) -> tuple[str, PlanParse]:
    text = _read(SEED_003 if request.param == "seed" else EXCERPT_003)
    issued = find_issue_date(text)
    assert issued == D("2023-05-12")
    return request.param, parse_tsv(text, issued)


def test_table_003_common_facts(table_003: tuple[str, PlanParse]) -> None:
    _, parse = table_003
    tasks = _by_number(parse)
    numbers = [t.number for t in parse.tasks]
    assert len(numbers) == len(set(numbers))
    assert tasks["1"].title == "健全工作机制"
    assert tasks["1"].responsible_units == ("规建办",)
    assert tasks["1"].deadline.due_dates == (D("2023-05-20"),)  # 5月中旬前
    assert tasks["2-1"].title == "健全会议机制：建立年部署、月调度、季联席会议制度"
    assert tasks["2-1"].deadline.due_dates == (D("2023-03-31"),)
    # Blank 责任单位 under the same group carries the unit of the row above, with a warning.
    assert tasks["2-2"].responsible_units == ("规建办",) and tasks["2-2"].deadline.ongoing
    assert any("召开月调度会议" in w for w in parse.warnings)
    assert tasks["3-1"].deadline.due_dates == (D("2023-08-31"),)
    assert tasks["3-1"].deadline.note == "ignored: 出台激励机制"
    assert tasks["3-3"].responsible_units == ("规建办", "经发办", "党政办")
    assert tasks["6-2"].deadline.due_dates == (D("2023-05-31"),)
    assert tasks["6-3"].deadline.due_dates == (D("2023-10-31"),)
    assert tasks["6-3"].responsible_units == ("党政办", "民社办", "经发办", "规建办")
    assert tasks["10-1"].deadline.window_start == D("2023-04-01")
    assert tasks["10-1"].deadline.due_dates == (D("2023-06-30"),)
    assert tasks["10-1"].responsible_units == ("规建办", "各社区")
    assert tasks["10-1"].section == "五、发动全社会参与"  # a heading split over two lines
    assert tasks["8-1"].title == "落实管理责任人责任：签订责任承诺"
    assert "\n一是与物业服务企业" in tasks["8-1"].measures  # a multi-line cell
    assert tasks["8-2"].title == "落实管理责任人责任：压实管理责任"
    # The last row of the export lost its empty 备注 cell; it must still line up.
    last = parse.tasks[-1]
    assert last.responsible_units == ("规建办",) and last.deadline.ongoing
    assert last.measures.startswith("建立完善数据台账核实制度")
    assert any(w.startswith("表头之前的内容已忽略: 年度主要目标") for w in parse.warnings)
    blank = next(t for t in parse.tasks if t.responsible_units == ("平顶山社区",))
    assert blank.deadline_text == "" and blank.deadline.needs_review
    assert any("缺少完成时限" in w for w in parse.warnings)


def test_table_003_full_seed() -> None:
    text = _read(SEED_003)
    parse = detect_and_parse(SEED_003.name, text.encode("utf-8"), find_issue_date(text))
    tasks = _by_number(parse)
    assert len(parse.tasks) == 49
    assert [n for n in tasks if "-" not in n] == ["1", "4", "5", "14"]
    assert tasks["7-1"].section == "三、规范投放环节管理"
    assert tasks["7-1"].title == "提高生活垃圾分类质量"
    assert tasks["7-2"].title.startswith("提高生活垃圾分类质量：按照镇街级全覆盖指导")
    assert tasks["7-3"].responsible_units == ("各社区",)
    assert tasks["7-3"].deadline.due_dates == (D("2023-05-31"),)
    assert tasks["7-5"].title == "提高生活垃圾分类质量"  # sub-heading no longer applies
    assert tasks["9-5"].deadline.due_dates == (D("2023-05-15"),)
    assert tasks["11-4"].deadline.window_start == D("2023-05-22")
    assert tasks["11-4"].deadline.due_dates == (D("2023-05-28"),)
    assert "五个一" in tasks["11-7"].title and "组建一支宣讲队伍" in tasks["11-7"].title
    assert tasks["11-12"].deadline.due_dates == (D("2023-06-06"), D("2023-09-06"))
    assert tasks["13-2"].deadline.due_dates == (D("2023-10-31"),)
    assert tasks["15-1"].section == "六、抓好信息报送"
    review = [t.number for t in parse.tasks if t.deadline.needs_review]
    assert review == ["11-2"]  # only the row whose 完成时限 cell is empty


# ------------------------------------------------------------------ other formats
TABLE = [
    ["序号", "主要措施", "具体任务", "牵头单位", "责任单位", "完成时限"],
    ["", "一、完善体制机制", "", "", "", ""],
    ["", "1.健全工作机制", "完善“双组长”制。", "规建办", "各社区", "5月中旬前"],
    ["", "", "召开月调度会议", "", "", "常态坚持"],
    ["", "2.信息填报", "填报管理系统", "规建办", "各社区、各科室", "每月19日前"],
]


def test_task_table_with_lead_column_and_heading_row() -> None:
    parse = parse_task_table(TABLE, date(2023, 5, 12))
    assert [t.number for t in parse.tasks] == ["1-1", "1-2", "2"]
    first, second, third = parse.tasks
    assert first.section == "一、完善体制机制" and first.lead_units == ("规建办",)
    assert second.lead_units == ("规建办",) and second.responsible_units == ("各社区",)
    assert third.responsible_units == ("各社区", "各科室")
    assert third.deadline.recurrence is not None and third.deadline.recurrence.day == 19


def test_task_table_without_header_warns() -> None:
    parse = parse_task_table([["a", "b"], ["c", "d"]], date(2023, 5, 12))
    assert parse.tasks == ()
    assert any("表头" in w for w in parse.warnings)


def test_plain_tsv() -> None:
    text = "\n".join("\t".join(row) for row in TABLE)
    parse = parse_tsv(text, date(2023, 5, 12))
    assert [t.number for t in parse.tasks] == ["1-1", "1-2", "2"]
    assert detect_and_parse("plan.tsv", text.encode(), date(2023, 5, 12)) == parse
    assert detect_and_parse("plan.txt", text.encode(), date(2023, 5, 12)) == parse


def test_csv() -> None:
    text = "\n".join(",".join(row) for row in TABLE)
    parse = detect_and_parse("plan.csv", text.encode(), date(2023, 5, 12))
    assert len(parse.tasks) == 3


def _workbook_bytes(path: Path) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    cover = workbook.active
    cover.title = "说明"
    cover.append(["联芳街道2023年度生活垃圾分类工作要点"])
    sheet = workbook.create_sheet("任务表")
    sheet.append(["主要措施", "具体任务", "责任单位", "完成时限", "备注"])
    sheet.append(["三、规范投放环节管理", None, None, None, None])
    sheet.append(["7.提高生活垃圾分类质量", "大力推动撤点并点", "规建办", "6月底前", None])
    sheet.append([None, "社区级指导员：…", "各社区", datetime(2023, 5, 31), "按月报送"])
    sheet.append([None, "正向激励机制", None, "常态落实", None])
    sheet.append(["8.落实管理责任人责任", "签订责任承诺", "规建办", 2023, None])
    workbook.save(path)
    return path.read_bytes()


def test_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    data = _workbook_bytes(path)
    issued = date(2023, 5, 12)
    parse = parse_xlsx(path, issued)
    assert parse == parse_xlsx(data, issued) == detect_and_parse("upload.bin", data, issued)
    tasks = _by_number(parse)
    assert list(tasks) == ["7-1", "7-2", "7-3", "8"]
    assert tasks["7-1"].section == "三、规范投放环节管理"
    assert tasks["7-2"].deadline.due_dates == (D("2023-05-31"),)  # a real date cell
    assert tasks["7-2"].deadline_text == "2023-05-31"
    assert tasks["7-2"].measures.endswith("备注：按月报送")
    assert tasks["7-3"].responsible_units == ("各社区",)  # carried over
    assert tasks["8"].deadline.needs_review  # a bare number is not a deadline


def test_xlsx_without_task_sheet(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["nothing", "here"])
    workbook.save(tmp_path / "empty.xlsx")
    parse = parse_xlsx(tmp_path / "empty.xlsx", date(2023, 5, 12))
    assert parse.tasks == () and parse.warnings


def test_detect_text_formats_and_encodings() -> None:
    text = EXCERPT_000.read_text(encoding="utf-8")
    by_gbk = detect_and_parse("plan.txt", text.encode("gb18030"), date(2024, 1, 11))
    assert [t.number for t in by_gbk.tasks] == ["1", "2", "12", "13"]
    table = EXCERPT_003.read_text(encoding="utf-8")
    assert detect_and_parse("plan.txt", table.encode(), date(2023, 5, 12)).tasks[0].number == "1"
    with pytest.raises(ValueError, match="xlsx"):
        detect_and_parse("plan.xls", b"\xd0\xcf\x11\xe0", date(2023, 5, 12))


def test_plan_text_warnings() -> None:
    text = "\n".join([
        "牵头部门：区执法局",
        "1.问题一",
        "整改措施：",
        "（1）措施",
        "牵头部门：区执法局",
        "看不懂的一行",
        "2.问题二",
        "整改措施：措施二",
        "完成时限：尽快",
        "2.问题二又一次",
        "完成时限：3月底前",
    ])
    parse = parse_plan_text(text, date(2024, 1, 11))
    assert [t.number for t in parse.tasks] == ["1", "2", "2"]
    one = parse.tasks[0]
    assert one.measures == "（1）措施" and one.deadline.needs_review and one.deadline_text == ""
    assert parse.tasks[1].measures == "措施二" and parse.tasks[1].deadline.needs_review
    assert parse.tasks[2].deadline.due_dates == (D("2024-03-31"),)
    warnings = " | ".join(parse.warnings)
    for expected in ("字段不属于任何任务", "任务1: 缺少完成时限", "看不懂的一行", "任务编号重复: 2"):
        assert expected in warnings


def test_split_units() -> None:
    assert split_units("区教育局、住建局，执法局 商务局、住建局") == ("区教育局", "住建局", "执法局", "商务局")
    assert split_units("  ") == ()


def test_find_issue_date() -> None:
    assert find_issue_date("通知\n  2024年1月11日\n完成时限：2024年1月20日前") == D("2024-01-11")
    assert find_issue_date("2024年2月30日\n无") is None


cells = st.one_of(
    st.sampled_from(["", "责任单位", "完成时限", "备注", "一、标题", "7.小组", "常态坚持", "5月底前",
                     "规建办、各社区", "1.问题", "整改措施：", "完成时限：3月底前", "\n"]),
    st.text(max_size=12),
)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.lists(cells, max_size=8), max_size=12))
def test_table_and_text_parsers_never_raise(rows: list[list[str]]) -> None:
    issued = date(2023, 5, 12)
    table = parse_task_table(rows, issued)
    assert all(t.deadline.source == t.deadline_text for t in table.tasks)
    assert len({t.number for t in table.tasks}) == len(table.tasks)
    text = "\n".join("\t".join(r) for r in rows)
    assert parse_tsv(text, issued) == parse_tsv(text, issued)
    prose = parse_plan_text(text.replace("\t", "\n"), issued)
    assert all(t.number.isdigit() for t in prose.tasks)
