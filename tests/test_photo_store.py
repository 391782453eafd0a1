"""Photos in S3-compatible object storage, against a real S3 API over HTTP (moto's server).

The whole complaint flow with MEDIA_STORE=s3; the store going away in the middle of it (and
timing out, throttling, refusing); two app "hosts" with separate MEDIA_DIRs and one bucket;
moving existing local photos into the bucket with `flask photos migrate-to-s3`.
"""
from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from bot.app import create_app
from models import Case, CasePhoto, User
from outbound.photos import fetch_pending
from outbound.photostore import LocalPhotoStore, S3PhotoStore, StoreUnavailable, check_key
from runtime import from_app
from cli.photos import photos_cli
from tests.support.settings import make_config
from tests.support.s3_server import CREDENTIALS, REGION, MotoServer, NoAnswer, Refusing
from tests.support.complaints import SONGFENG, jpeg
from tests.support.dashboard import sign_in
from tests.support.wechat_user import WeChatUser

ADMIN = ("office", "office-pass-1")
PREFIX = "wastebot/photos"


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto.log").start()
    yield server
    server.stop()


@pytest.fixture
def bucket(moto: MotoServer, monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    name = "wastebot-" + secrets.token_hex(4)
    moto.create_bucket(name)
    return name


def s3_settings(endpoint: str, bucket: str, **more: Any) -> dict[str, Any]:
    return {"MEDIA_STORE": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": endpoint,
            "S3_PREFIX": PREFIX, "S3_REGION": REGION, "S3_PATH_STYLE": "1", **more}


@pytest.fixture
def config_overrides(moto: MotoServer, bucket: str) -> dict[str, Any]:
    return s3_settings(moto.url, bucket)


def objects(moto: MotoServer, bucket: str) -> list[str]:
    listed = moto.client().list_objects_v2(Bucket=bucket)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def report(user: WeChatUser, data: bytes) -> str:
    user.say("纠错")
    user.image(data)
    user.location(*SONGFENG, label="松风路88弄")
    reply = user.say("提交")
    assert reply is not None and "JC" in reply
    user.runtime.drain()  # the kicked "media" job has run (and may have failed)
    return reply


def the_photo(runtime: Any) -> CasePhoto:
    with runtime.sessions.begin() as s:
        photo = s.scalars(select(CasePhoto).order_by(CasePhoto.id)).first()
        assert photo is not None
        return photo


def add_admin(runtime: Any) -> None:
    with runtime.sessions.begin() as s:
        s.add(User(name=ADMIN[0], password_hash=generate_password_hash(ADMIN[1]), role="admin",
                   active=True, failed_logins=0))


def local_files(runtime: Any) -> list[Path]:
    return [p for p in Path(runtime.config.media_dir).rglob("*") if p.is_file()]


def test_complaint_photo_goes_to_the_bucket_and_back_through_every_reader(
        user: WeChatUser, runtime: Any, client: Any, district: None, moto: MotoServer,
        bucket: str, app: Any) -> None:
    assert isinstance(runtime.photos, S3PhotoStore)
    report(user, jpeg(120, 90))
    fetch_pending(runtime)
    photo = the_photo(runtime)
    assert photo.status == "stored" and photo.attempts == 1
    # Keys as before: month folder, case number, index, digest; nothing from the user.
    assert photo.path.startswith("202611/JC202611230001_000_") and photo.path.endswith(".jpg")
    assert photo.thumb_path == photo.path.removesuffix(".jpg") + "_t.jpg"
    assert objects(moto, bucket) == sorted([f"{PREFIX}/{photo.path}",
                                           f"{PREFIX}/{photo.thumb_path}"])
    assert not local_files(runtime)  # nothing under MEDIA_DIR
    stored = moto.client().get_object(Bucket=bucket, Key=f"{PREFIX}/{photo.path}")
    full = stored["Body"].read()
    assert full[:2] == b"\xff\xd8" and stored["ContentType"] == "image/jpeg"

    # Dashboard: streamed by the app, behind the sign-in.
    assert client.get(f"/dashboard/photos/{photo.id}").status_code in (302, 401, 403)
    add_admin(runtime)
    sign_in(client, *ADMIN)
    resp = client.get(f"/dashboard/photos/{photo.id}")
    assert resp.status_code == 200 and resp.data == full and resp.mimetype == "image/jpeg"
    thumb = client.get(f"/dashboard/photos/{photo.id}/thumb")
    assert thumb.status_code == 200 and thumb.data[:2] == b"\xff\xd8" and thumb.data != full

    # Open311 media_url.
    runner = app.test_cli_runner()
    key = runner.invoke(args=["apikeys", "create", "city-platform"]).output.strip()
    [request] = client.get("/open311/v2/requests.json", query_string={"api_key": key}).get_json()
    media = client.get(request["media_url"], query_string={"api_key": key})
    assert media.status_code == 200 and media.data == full

    # `cases show --json` prints the store's key.
    out = runner.invoke(args=["cases", "show", "JC202611230001", "--json"])
    assert out.exit_code == 0, out.output
    [shown] = json.loads(out.output)["photos"]
    assert shown["key"] == photo.path and shown["thumb_key"] == photo.thumb_path


def test_rectification_photos_go_to_the_bucket(user: WeChatUser, runtime: Any, district: None,
                                               clock: Any, moto: MotoServer, bucket: str,
                                               fake_wechat: Any) -> None:
    from services.cases import SYSTEM, mark_rectified

    report(user, jpeg())
    fake_wechat.add_media("media-rectify-0001", jpeg(90, 60, colour=(0, 0, 200)), "image/jpeg")
    with runtime.sessions.begin() as s:
        case = s.scalars(select(Case)).one()
        mark_rectified(s, runtime.config, case, SYSTEM, clock(), note="已清理",
                       photo_media_ids=("media-rectify-0001",))
    assert fetch_pending(runtime) == 2
    with runtime.sessions.begin() as s:
        photos = s.scalars(select(CasePhoto).order_by(CasePhoto.id)).all()
        assert [(p.kind, p.status) for p in photos] == [("report", "stored"),
                                                        ("rectify", "stored")]
        rect = photos[1]
        assert rect.path.startswith("202611/JC202611230001_001_")
        keys = [f"{PREFIX}/{rect.path}", f"{PREFIX}/{rect.thumb_path}"]
    assert set(keys) <= set(objects(moto, bucket)) and not local_files(runtime)


def test_store_outage_in_the_middle_of_a_complaint(
        user: WeChatUser, runtime: Any, client: Any, district: None, clock: Any,
        moto: MotoServer) -> None:
    bucket = runtime.config.S3_BUCKET
    user.say("纠错")
    user.image(jpeg())
    moto.stop()  # the store goes away while the resident is still talking
    try:
        user.image(jpeg(50, 50))
        user.location(*SONGFENG, label="松风路88弄")
        reply = user.say("提交")
        assert reply is not None and "JC" in reply  # the resident is answered as usual
        runtime.drain()  # the kicked media job met the outage
        assert fetch_pending(runtime) == 0  # and so does the sweep: logged, not raised
        with runtime.sessions.begin() as s:
            [case] = s.scalars(select(Case)).all()
            first, second = case.photos
            # Pending, the reason visible, no download attempt spent on our store's fault;
            # the sweep stopped at the first failure instead of waiting on every photo.
            assert (first.status, first.attempts, second.status, second.attempts) == (
                "pending", 0, "pending", 0)
            assert first.last_error is not None and first.last_error.startswith("storage: s3 put")
            assert second.last_error is None
            assert case.status == "已派单"
            assert "photo_failed" not in [e.action for e in case.events]
            case_id = case.id
        add_admin(runtime)
        sign_in(client, *ADMIN)
        page = client.get(f"/dashboard/cases/{case_id}")
        assert page.status_code == 200 and "2 张照片正在下载" in page.get_data(True)
    finally:
        moto.start()  # back (empty: moto keeps buckets in memory)
    moto.create_bucket(bucket)
    clock.advance(minutes=10)  # past the retry time: the next sweep takes them again
    assert fetch_pending(runtime) == 2
    with runtime.sessions.begin() as s:
        photos = s.scalars(select(CasePhoto).order_by(CasePhoto.id)).all()
        assert [(p.status, p.attempts, p.last_error) for p in photos] == [
            ("stored", 1, None), ("stored", 1, None)]
        keys = [f"{PREFIX}/{k}" for p in photos for k in (p.path, p.thumb_path)]
        photo_id = photos[0].id
    assert sorted(keys) == objects(moto, bucket)
    resp = client.get(f"/dashboard/photos/{photo_id}")
    assert resp.status_code == 200 and resp.data[:2] == b"\xff\xd8"
    moto.stop()  # down again: the dashboard says so for the photo, the case page still works
    try:
        assert client.get(f"/dashboard/photos/{photo_id}").status_code == 503
        assert client.get(f"/dashboard/cases/{case_id}").status_code == 200
    finally:
        moto.start()


class TestBrokenStores:
    """Timeouts, throttling and refusals cost no attempt, like a full disk."""

    @pytest.fixture(params=["timeout", "slowdown", "forbidden", "refused"])
    def broken(self, request: Any) -> Iterator[str]:
        if request.param == "timeout":
            server: Any = NoAnswer()
        elif request.param == "slowdown":
            server = Refusing(503, "SlowDown")
        elif request.param == "forbidden":
            server = Refusing(403, "AccessDenied")
        else:
            server = NoAnswer()
            server.stop()  # nothing listens on that port any more
        yield server.url
        if request.param != "refused":
            server.stop()

    @pytest.fixture
    def config_overrides(self, broken: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
        for name, value in CREDENTIALS.items():
            monkeypatch.setenv(name, value)
        return s3_settings(broken, "wastebot-broken", HTTP_TIMEOUT_S=1)

    def test_photo_stays_pending_with_the_reason_and_no_attempt_spent(
            self, user: WeChatUser, runtime: Any, district: None, client: Any) -> None:
        report(user, jpeg())
        assert fetch_pending(runtime) == 0
        photo = the_photo(runtime)
        assert photo.status == "pending" and photo.attempts == 0
        assert photo.last_error is not None and photo.last_error.startswith("storage: s3")
        with runtime.sessions.begin() as s:
            assert s.scalars(select(Case)).one().status == "已派单"


def test_two_hosts_one_bucket(user: WeChatUser, runtime: Any, district: None, clock: Any,
                              moto: MotoServer, bucket: str, tmp_path: Path,
                              fake_wechat: Any) -> None:
    """Host A takes the complaint and stores the photo; host B, with its own empty MEDIA_DIR,
    shows it on its dashboard."""
    report(user, jpeg(100, 80, colour=(10, 120, 40)))
    fetch_pending(runtime)  # host A's media job
    photo = the_photo(runtime)
    assert photo.status == "stored"
    config_b = make_config(runtime.config.DATABASE_URL, tmp_path / "host-b",
                           fake_wechat.url, **s3_settings(moto.url, bucket))
    assert config_b.media_dir != runtime.config.media_dir
    app_b = create_app(config_b, clock=clock)
    app_b.config["TESTING"] = True
    try:
        host_b = from_app(app_b)
        add_admin(host_b)
        client_b = app_b.test_client()
        sign_in(client_b, *ADMIN)
        full = client_b.get(f"/dashboard/photos/{photo.id}")
        thumb = client_b.get(f"/dashboard/photos/{photo.id}/thumb")
        assert full.status_code == 200 and full.data[:2] == b"\xff\xd8"
        assert thumb.status_code == 200 and thumb.data[:2] == b"\xff\xd8"
        assert full.data == moto.client().get_object(
            Bucket=bucket, Key=f"{PREFIX}/{photo.path}")["Body"].read()
        assert not local_files(host_b)  # B never had the file
    finally:
        from_app(app_b).close()


class TestMigrateToS3:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {}  # photos stored locally first, as before this change

    def test_local_photos_move_into_the_bucket(
            self, user: WeChatUser, runtime: Any, district: None, clock: Any, moto: MotoServer,
            bucket: str, fake_wechat: Any) -> None:
        assert isinstance(runtime.photos, LocalPhotoStore)
        report(user, jpeg())
        fetch_pending(runtime)
        photo = the_photo(runtime)
        assert photo.status == "stored" and len(local_files(runtime)) == 2
        config_s3 = make_config(runtime.config.DATABASE_URL, Path(runtime.config.INSTANCE_DIR),
                                fake_wechat.url, **s3_settings(moto.url, bucket))
        app_s3 = create_app(config_s3, clock=clock, commands=[photos_cli])
        try:
            runner = app_s3.test_cli_runner()
            dry = runner.invoke(args=["photos", "migrate-to-s3", "--dry-run"])
            assert dry.exit_code == 0 and "would_copy: 2" in dry.output, dry.output
            assert objects(moto, bucket) == []
            done = runner.invoke(args=["photos", "migrate-to-s3"])
            assert done.exit_code == 0 and "copied: 2" in done.output, done.output
            assert objects(moto, bucket) == sorted([f"{PREFIX}/{photo.path}",
                                                   f"{PREFIX}/{photo.thumb_path}"])
            again = runner.invoke(args=["photos", "migrate-to-s3"])
            assert "copied: 0" in again.output and "present: 2" in again.output
            assert the_photo(from_app(app_s3)).path == photo.path  # rows unchanged
            add_admin(runtime)
            client = app_s3.test_client()
            sign_in(client, *ADMIN)
            resp = client.get(f"/dashboard/photos/{photo.id}")
            local = Path(runtime.config.media_dir) / photo.path
            assert resp.status_code == 200 and resp.data == local.read_bytes()
        finally:
            from_app(app_s3).close()

    def test_refused_without_s3_settings(self, app: Any) -> None:
        out = app.test_cli_runner().invoke(args=["photos", "migrate-to-s3"])
        assert out.exit_code != 0 and "MEDIA_STORE=s3" in out.output


@pytest.mark.parametrize("key", ["../x.jpg", "/etc/passwd", "a/../../b.jpg", "a//b.jpg", "",
                                 "a/./b.jpg", "a\\b.jpg", "ä.jpg", None])
def test_unsafe_keys_are_refused(key: Any, tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        check_key(key)
    store = LocalPhotoStore(tmp_path)
    assert not store.exists(key)
    with pytest.raises(KeyError):
        store.get(key)


def test_store_unavailable_is_an_os_error() -> None:
    assert issubclass(StoreUnavailable, OSError)  # the full-disk path in outbound/photos.py


def test_two_app_processes_separate_media_dirs_one_bucket(
        user: WeChatUser, runtime: Any, district: None, moto: MotoServer, bucket: str,
        tmp_path: Path, fake_wechat: Any) -> None:
    """Host A (this process) takes a complaint through its webhook and its media job puts the
    photo in the bucket; host B, a gunicorn process with its own empty MEDIA_DIR, serves the
    photo and thumbnail on its signed-in dashboard."""
    import requests

    from tests.support.serve import Gunicorn
    from tests.support.settings import SAMPLE_AES_KEY, SAMPLE_APP_ID, TEST_TOKEN
    from tests.support.dashboard import csrf_token

    report(user, jpeg(100, 80, colour=(120, 40, 160)))
    fetch_pending(runtime)
    photo = the_photo(runtime)
    assert photo.status == "stored" and local_files(runtime) == []
    add_admin(runtime)
    host_b = tmp_path / "host-b"
    env = {"WECHAT_TOKEN": TEST_TOKEN, "SECRET_KEY": "host-b-secret-0123456789",
           "WECHAT_APP_ID": SAMPLE_APP_ID, "WECHAT_APP_SECRET": "test-app-secret",
           "WECHAT_AES_KEY": SAMPLE_AES_KEY, "WECHAT_API_BASE": fake_wechat.url,
           "WECOM_API_BASE": fake_wechat.url, "DATABASE_URL": runtime.config.DATABASE_URL,
           "INSTANCE_DIR": str(host_b), "MEDIA_DIR": str(host_b / "media"), "REDIS_URL": "",
           "CITY_PROFILE": "shanghai", "DEV_MODE": "0",
           **{k: str(v) for k, v in s3_settings(moto.url, bucket).items()}, **CREDENTIALS}
    with Gunicorn("wsgi:app", env, workers=1, log_path=tmp_path / "host-b.log") as server:
        web = requests.Session()
        login = web.get(server.url + "/dashboard/login", timeout=10)
        web.post(server.url + "/dashboard/login", timeout=10, data={
            "name": ADMIN[0], "password": ADMIN[1], "csrf_token": csrf_token(login.text)})
        full = web.get(f"{server.url}/dashboard/photos/{photo.id}", timeout=10)
        thumb = web.get(f"{server.url}/dashboard/photos/{photo.id}/thumb", timeout=10)
    assert full.status_code == 200 and full.headers["Content-Type"] == "image/jpeg"
    assert full.content == moto.client().get_object(
        Bucket=bucket, Key=f"{PREFIX}/{photo.path}")["Body"].read()
    assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"
    assert not [p for p in (host_b / "media").rglob("*") if p.is_file()]


@pytest.mark.parametrize("values,message", [
    ({"MEDIA_STORE": "ftp"}, "MEDIA_STORE must be one of"),
    ({"MEDIA_STORE": "s3"}, "MEDIA_STORE=s3 needs S3_BUCKET"),
])
def test_store_settings_are_checked_at_start(values: dict[str, str], message: str,
                                             tmp_path: Path) -> None:
    from config import Config, ConfigError

    with pytest.raises(ConfigError, match=message):
        Config.from_mapping({"WECHAT_TOKEN": "t" * 20, "SECRET_KEY": "s" * 20,
                             "DEV_MODE": "1", "INSTANCE_DIR": str(tmp_path), **values})
