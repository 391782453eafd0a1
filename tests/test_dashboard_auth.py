"""Issue 12, dashboard sessions: server-side sign-out, per-address lockout, no timing oracle,
forced password change, secure cookies, demo data only in development mode."""
from __future__ import annotations

from typing import Any

import pytest

from tests.support.dashboard import ADMIN, Seeded, csrf_token, seed, sign_in


@pytest.fixture
def seeded(runtime: Any) -> Seeded:
    return seed(runtime)


def _client(app: Any, address: str) -> Any:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_sign_out_ends_the_session_on_the_server(app: Any, client: Any,
                                                 seeded: Seeded) -> None:
    sign_in(client, *ADMIN)
    stolen = app.test_client()
    stolen.set_cookie("session", client.get_cookie("session").value)
    assert stolen.get("/dashboard/").status_code == 200  # a copied cookie works ...
    token = csrf_token(client.get("/dashboard/").get_data(True))
    assert client.post("/dashboard/logout", data={"csrf_token": token}).status_code == 302
    assert stolen.get("/dashboard/").status_code == 302  # ... until its owner signs out
    assert sign_in(app.test_client(), *ADMIN).status_code == 302  # signing in again works


def test_lockout_holds_only_the_failing_address(app: Any, seeded: Seeded) -> None:
    attacker, office = _client(app, "203.0.113.66"), _client(app, "10.1.2.3")
    for _ in range(5):
        assert sign_in(attacker, ADMIN[0], "guess").status_code == 401
    locked = sign_in(attacker, *ADMIN)
    assert locked.status_code == 401 and "锁定" in locked.get_data(True)
    assert sign_in(office, *ADMIN).status_code == 302
    assert office.get("/dashboard/").status_code == 200


def test_unknown_and_known_names_cost_the_same_work(client: Any, seeded: Seeded,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import dashboard.auth as auth

    checked: list[str] = []
    real = auth.check_password_hash

    def spy(pwhash: str, password: str) -> bool:
        checked.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(auth, "check_password_hash", spy)
    unknown = sign_in(client, "nobody-here", "guess")
    known = sign_in(client, ADMIN[0], "guess")
    assert unknown.status_code == known.status_code == 401
    assert unknown.get_data(True).count("用户名或密码错误") == 1
    assert len(checked) == 2 and checked[0] == checked[1]  # one hash each, same method


def test_an_account_on_its_initial_password_must_choose_a_new_one(app: Any, seeded: Seeded,
                                                                  runtime: Any) -> None:
    made = app.test_cli_runner().invoke(args=["users", "create", "newbie", "--role", "admin"],
                                        input="initial-pass-1\n")
    assert made.exit_code == 0, made.output
    client = app.test_client()
    first = sign_in(client, "newbie", "initial-pass-1")
    assert first.status_code == 302 and first.headers["Location"].endswith("/dashboard/password")
    for url in ("/dashboard/", "/dashboard/cases/", "/dashboard/export/cases.csv"):
        resp = client.get(url)
        assert resp.status_code == 302 and resp.headers["Location"].endswith(
            "/dashboard/password"), url
    page = client.get("/dashboard/password")
    assert "请先设置新密码" in page.get_data(True)
    token = csrf_token(page.get_data(True))
    same = client.post("/dashboard/password", data={
        "csrf_token": token, "current": "initial-pass-1", "new": "initial-pass-1",
        "confirm": "initial-pass-1"})
    assert "不能与原密码相同" in same.get_data(True)
    done = client.post("/dashboard/password", data={
        "csrf_token": token, "current": "initial-pass-1", "new": "my-own-pass-2",
        "confirm": "my-own-pass-2"})
    assert done.status_code == 302
    assert client.get("/dashboard/").status_code == 200
    assert sign_in(app.test_client(), "newbie", "initial-pass-1").status_code == 401
    assert sign_in(app.test_client(), "newbie", "my-own-pass-2").headers[
        "Location"].endswith("/dashboard/")


class TestSecureCookie:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"SESSION_COOKIE_SECURE": "1"}

    def test_session_cookie_is_secure(self, client: Any, seeded: Seeded) -> None:
        resp = sign_in(client, *ADMIN)
        cookie = resp.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie


def test_demo_load_refuses_outside_development_mode(app: Any) -> None:
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0 and "DEV_MODE=1" in result.output


class TestDemoInDevelopment:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"DEV_MODE": "1"}

    def test_demo_accounts_must_change_their_published_password(self, app: Any) -> None:
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        client = app.test_client()
        resp = sign_in(client, "admin", "admin123")
        assert resp.headers["Location"].endswith("/dashboard/password")
