"""Cadres bind with an invitation code and act on their unit's cases from chat; residents cannot."""
from __future__ import annotations


from sqlalchemy import select

from models import Cadre, Case, CasePhoto, ExtensionRequest
from models.cases import IN_PROGRESS, RECTIFIED, RETURNED
from tests.support.district import make_case, setup_district



def _invite(app, unit: str, name: str, role: str = "member") -> str:
    result = app.test_cli_runner().invoke(
        args=["cadres", "invite", "--unit", unit, "--name", name, "--role", role])
    assert result.exit_code == 0, result.output
    return result.output.split()[0]


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 40)).save(buf, "JPEG")
    return buf.getvalue()


def test_bind_act_on_cases_and_unbind(app, runtime, make_user, clock) -> None:
    with runtime.sessions.begin() as s:
        setup_district(s, {})
        make_case(s, runtime.config, "D01-S01-C01", clock.now, "JC202611230101")
        make_case(s, runtime.config, "D01-S01-C01", clock.now, "JC202611230102")
        make_case(s, runtime.config, "D01-S02-C01", clock.now, "JC202611230103")
    code = _invite(app, "D01-S01-C01", "王敏")
    cadre, resident = make_user("o_cadre"), make_user("o_resident_9")
    assert "仅限已绑定" in resident.say("待办")
    assert "仅限已绑定" in resident.say("接单 JC202611230101")
    assert "绑定成功" in cadre.say(f"绑定 {code.lower()}")
    assert "已使用" in resident.say(f"绑定 {code}")
    todo = cadre.say("待办")
    assert "JC202611230101" in todo and "JC202611230103" not in todo  # own unit only
    assert "未找到本单位" in cadre.say("接单 JC202611230103")
    assert "已接单" in cadre.say("接单 JC202611230101")
    assert "不能接单" in cadre.say("接单 JC202611230101")
    assert "整改后照片" in cadre.say("办结 JC202611230101")
    assert "至少发送一张" in cadre.say("提交")
    assert "第1张" in cadre.image(_jpeg())
    assert "第2张" in cadre.image(_jpeg())
    assert "已上报整改" in cadre.say("提交")
    assert "已退回" in cadre.say("退回 JC202611230102 不属于本社区，在隔壁小区")
    with runtime.sessions.begin() as s:
        case = s.scalar(select(Case).where(Case.number == "JC202611230101"))
        assert case is not None and case.status == RECTIFIED
        photos = s.scalars(select(CasePhoto).where(CasePhoto.case_id == case.id)).all()
        assert [p.kind for p in photos] == ["rectify", "rectify"]
        other = s.scalar(select(Case).where(Case.number == "JC202611230102"))
        assert other is not None and other.status == RETURNED
    assert "解除" in cadre.say("解绑")
    assert "仅限已绑定" in cadre.say("待办")


def test_extension_request_goes_to_the_office(app, runtime, make_user, clock) -> None:
    with runtime.sessions.begin() as s:
        setup_district(s, {})
        make_case(s, runtime.config, "D01-S01-C01", clock.now, "JC202611230201")
    cadre = make_user("o_cadre2")
    cadre.say("绑定 " + _invite(app, "D01-S01-C01", "李强", "leader"))
    assert "格式" in cadre.say("延期 JC202611230201 三天")
    assert "等待区分类办审批" in cadre.say("延期 JC202611230201 3 需要协调物业清运")
    with runtime.sessions.begin() as s:
        req = s.scalar(select(ExtensionRequest))
        assert req is not None and (req.days, req.status) == (3, "pending")
        assert s.scalar(select(Cadre).where(Cadre.openid == "o_cadre2")).role == "leader"
    assert "已有待审批" in cadre.say("延期 JC202611230201 2 再等等")


def test_accept_then_status(app, runtime, make_user, clock) -> None:
    with runtime.sessions.begin() as s:
        setup_district(s, {})
        make_case(s, runtime.config, "D01-S01-C01", clock.now, "JC202611230301")
    cadre = make_user("o_cadre3")
    cadre.say("绑定 " + _invite(app, "D01-S01-C01", "张三"))
    cadre.say("接单 jc202611230301")
    with runtime.sessions.begin() as s:
        assert s.scalar(select(Case.status)) == IN_PROGRESS


def test_cadres_import_csv_upserts(app, runtime, tmp_path) -> None:
    with runtime.sessions.begin() as s:
        setup_district(s, {})
    path = tmp_path / "cadres.csv"
    path.write_text("unit_code,name,role,openid,wecom_userid,phone\n"
                    "D01-S01,赵街,leader,o_zhao,zhaojie,13800000000\n"
                    "D01-S01-C01,王敏,member,,wangmin,\n", encoding="utf-8")
    runner = app.test_cli_runner()
    assert "2 created" in runner.invoke(args=["cadres", "import", str(path)]).output
    path.write_text("unit_code,name,role,openid,wecom_userid,phone\n"
                    "D01-S01-C01,王敏,leader,,wangmin2,\n", encoding="utf-8")
    assert "1 updated" in runner.invoke(args=["cadres", "import", str(path)]).output
    with runtime.sessions.begin() as s:
        rows = s.scalars(select(Cadre).order_by(Cadre.id)).all()
        assert [(c.name, c.role, c.wecom_userid) for c in rows] == [
            ("赵街", "leader", "zhaojie"), ("王敏", "leader", "wangmin2")]
    path.write_text("unit_code,name,role\nNOPE,某人,boss\n", encoding="utf-8")
    bad = runner.invoke(args=["cadres", "import", str(path)])
    assert bad.exit_code != 0 and "NOPE" in bad.output and "boss" in bad.output
