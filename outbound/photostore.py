"""Where sanitised photos live: a local directory (`MEDIA_STORE=local`) or an S3 bucket (`s3`).

Keys are relative paths such as `202611/JC202611230001_000_<digest>.jpg`, built by
`outbound.photos` from the case number, the photo's index and its digest, never from user
input; every store still refuses a key that is not such a path. A store that cannot write or
read right now raises `StoreUnavailable` (an OSError, so the full-disk path in
`outbound.photos` handles it: no download attempt spent, retried later, visible on the case).
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Protocol

from sqlalchemy import select

from models import CasePhoto

if TYPE_CHECKING:
    from config import Config

# Segments of [A-Za-z0-9_-.], no empty, "." or ".." segment, no leading slash.
_KEY = re.compile(r"^(?!.*(?:^|/)\.{1,2}(?:/|$))[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+){0,3}$")


class StoreUnavailable(OSError):
    """The store refused or did not answer: our side's fault, retried like a full disk."""


def check_key(key: str | None) -> str:
    """The key itself when it is a safe relative path; KeyError otherwise (treated as absent)."""
    if not isinstance(key, str) or len(key) > 300 or not _KEY.fullmatch(key):
        raise KeyError(key)
    return key


class PhotoStore(Protocol):
    """Bytes by key. `get` raises KeyError for a missing or unsafe key."""

    name: str

    def put(self, key: str, data: bytes, content_type: str = "image/jpeg") -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...


class LocalPhotoStore:
    """Files under one directory (MEDIA_DIR), written atomically (temp file, then rename)."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """The file for a key, never outside the root (KeyError for anything that would be)."""
        root = self.root.resolve()
        if root not in (root / check_key(key)).resolve().parents:
            raise KeyError(key)
        return self.root / key

    def put(self, key: str, data: bytes, content_type: str = "image/jpeg") -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)

    def get(self, key: str) -> bytes:
        path = self.path(key)
        if not path.is_file():
            raise KeyError(key)
        return path.read_bytes()

    def exists(self, key: str) -> bool:
        try:
            return self.path(key).is_file()
        except KeyError:
            return False

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        """Every stored photo's key (used by `flask photos migrate-to-s3`)."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*.jpg")):
            key = path.relative_to(self.root).as_posix()
            if _KEY.fullmatch(key):
                yield key


class S3PhotoStore:
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Alibaba Cloud OSS, Tencent COS)."""

    name = "s3"

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def object_key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes, content_type: str = "image/jpeg") -> None:
        with _unavailable("put"):
            self.client.put_object(Bucket=self.bucket, Key=self.object_key(key), Body=data,
                                   ContentType=content_type)

    def get(self, key: str) -> bytes:
        with _unavailable("get", missing=key):
            body = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))["Body"]
            try:
                return bytes(body.read())
            finally:
                body.close()

    def exists(self, key: str) -> bool:
        try:
            with _unavailable("head", missing=key):
                self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except KeyError:
            return False
        return True

    def delete(self, key: str) -> None:
        with _unavailable("delete"):
            self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))


class _unavailable:
    """Map botocore's failures: "not found" → KeyError, everything else → StoreUnavailable."""

    def __init__(self, what: str, missing: str | None = None) -> None:
        self.what, self.missing = what, missing

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is None:
            return False
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = str(error.get("Code", ""))
            # A missing object is "not found"; a missing bucket (NoSuchBucket) is a fault.
            if self.missing is not None and code in {"NoSuchKey", "404", "NotFound"}:
                raise KeyError(self.missing) from None
            raise StoreUnavailable(f"s3 {self.what}: {code or status} "
                                   f"{error.get('Message', '')}".strip()) from exc
        if isinstance(exc, BotoCoreError):
            raise StoreUnavailable(f"s3 {self.what}: {exc}") from exc
        return False


def s3_client(config: "Config") -> Any:
    """A boto3 client with short timeouts and few retries: a slow store must not hold a worker."""
    import boto3
    from botocore.config import Config as BotoConfig

    timeout = max(1, config.HTTP_TIMEOUT_S)
    boto = BotoConfig(
        connect_timeout=timeout, read_timeout=timeout,
        retries={"max_attempts": 2, "mode": "standard"},
        s3={"addressing_style": "path" if config.S3_PATH_STYLE else "auto"},
        signature_version="s3v4",
    )
    return boto3.session.Session().client(
        "s3", endpoint_url=config.S3_ENDPOINT_URL or None,
        region_name=config.S3_REGION or None, config=boto)


def build_photo_store(config: "Config") -> PhotoStore:
    """The store the settings choose; credentials come from AWS_ACCESS_KEY_ID/SECRET."""
    if config.MEDIA_STORE == "s3":
        return S3PhotoStore(s3_client(config), config.S3_BUCKET, config.S3_PREFIX)
    return LocalPhotoStore(config.media_dir)


def copy_local_photos(sessions: Any, source: LocalPhotoStore, target: PhotoStore,
                      dry_run: bool = False) -> dict[str, int]:
    """Copy every stored photo (and thumbnail) a case refers to from MEDIA_DIR into `target`
    under the same key, read it back to verify, and count. Idempotent: an object already in
    the target with the same bytes is left alone. Keys do not change, so no row is updated."""
    with sessions.begin() as session:
        rows = session.execute(select(CasePhoto.path, CasePhoto.thumb_path).where(
            CasePhoto.status == "stored").order_by(CasePhoto.id)).all()
    keys = list(dict.fromkeys(k for row in rows for k in row if k))
    counts = {"copied": 0, "present": 0, "missing": 0, "would_copy": 0}
    for key in keys:
        try:
            data = source.get(key)
        except KeyError:
            counts["missing"] += 1
            continue
        try:
            if target.get(key) == data:
                counts["present"] += 1
                continue
        except KeyError:
            pass
        if dry_run:
            counts["would_copy"] += 1
            continue
        target.put(key, data, "image/jpeg")
        if target.get(key) != data:
            raise StoreUnavailable(f"verification failed for {key}")
        counts["copied"] += 1
    return counts
