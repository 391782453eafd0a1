"""Make complaint photos safe to show: validate, auto-rotate, resize, strip all metadata."""
from __future__ import annotations

import hashlib
import io
import re
import struct
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

# Formats we decode. HEIF only counts when a plugin (pillow-heif) has registered it.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "HEIF")
# Hostile files make Pillow's parsers raise many kinds of errors; all mean "corrupt".
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, IndexError, KeyError, TypeError)

_MESSAGES = {
    "empty": "没有收到图片内容，请重新发送照片。",
    "too_large": "图片太大了，请压缩到 {mb} MB 以内再发送。",
    "not_image": "这不是图片文件，请直接发送照片。",
    "unsupported_format": "暂不支持这种图片格式，请发送 JPG 或 PNG 照片。",
    "too_many_pixels": "图片尺寸过大，请缩小后重新发送。",
    "corrupt": "图片已损坏或不完整，请重新拍摄后发送。",
}
# Leading bytes of formats we recognise but do not accept.
_UNSUPPORTED_MAGIC = (b"BM", b"II*\x00", b"MM\x00*", b"8BPS", b"\x00\x00\x01\x00", b"\xffO\xffQ", b"\x00\x00\x00\x0cjP  ")
_ACCEPTED_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")
_CASE_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class ImageRejected(Exception):
    """The upload is not a photo we will store; ``message_zh`` can go to the resident."""

    def __init__(self, reason_code: str, message_zh: str) -> None:
        super().__init__(f"{reason_code}: {message_zh}")
        self.reason_code = reason_code
        self.message_zh = message_zh


@dataclass(frozen=True)
class SanitizedImage:
    """A metadata-free JPEG and its thumbnail."""

    full: bytes
    thumb: bytes
    width: int
    height: int
    original_format: str


def _reject(code: str, **fmt: object) -> ImageRejected:
    return ImageRejected(code, _MESSAGES[code].format(**fmt))


def content_digest(data: bytes) -> str:
    """SHA-256 of the bytes, lowercase hex."""
    return hashlib.sha256(data).hexdigest()


def safe_media_name(case_number: str, index: int, digest: str) -> str:
    """A file-name stem of [A-Za-z0-9_-] only; callers append a fixed suffix such as ".jpg"."""
    if not isinstance(case_number, str) or not _CASE_NUMBER.fullmatch(case_number):
        raise ValueError(f"unsafe case number {case_number!r}")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 1000:
        raise ValueError(f"photo index must be an int in 0..999, got {index!r}")
    if not isinstance(digest, str) or not _SHA256_HEX.fullmatch(digest):
        raise ValueError("digest must be a lowercase sha256 hex string")
    return f"{case_number}_{index:03d}_{digest[:16]}"


def _classify_unidentified(data: bytes) -> ImageRejected:
    head = data[:1024]
    if head.startswith(_ACCEPTED_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return _reject("corrupt")
    if head.startswith(_UNSUPPORTED_MAGIC) or head[4:8] == b"ftyp":  # ftyp: HEIC/AVIF/MP4 family
        return _reject("unsupported_format")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in text:
        return _reject("unsupported_format")
    return _reject("not_image")


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Identify the format and check the pixel count from the header, before decoding."""
    Image.init()
    formats = [f for f in ACCEPTED_FORMATS if f in Image.OPEN]
    try:
        im = Image.open(io.BytesIO(data), formats=formats)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _reject("too_many_pixels") from exc
    except UnidentifiedImageError as exc:
        raise _classify_unidentified(data) from exc
    except _DECODE_ERRORS as exc:
        raise _reject("corrupt") from exc
    width, height = im.size
    if width < 1 or height < 1:
        raise _reject("corrupt")
    if width * height > max_pixels:
        raise _reject("too_many_pixels")
    return im


def _to_rgb(im: Image.Image) -> Image.Image:
    """Any Pillow mode → RGB; 16-bit and float are scaled, transparency goes on white."""
    if im.mode.startswith("I;16"):
        im = im.convert("I")
    if im.mode == "I":
        high = im.getextrema()[1]
        scale = 1.0 if high <= 255 else (1 / 256 if high <= 65535 else 255 / high)
        im = im.point(lambda v: v * scale).convert("L")
    elif im.mode == "F":
        im = im.convert("L")
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif im.mode in ("LA", "La", "PA", "RGBa") or (im.mode in ("L", "RGB") and "transparency" in im.info):
        im = im.convert("RGBA")
    icc = im.info.get("icc_profile")
    if icc and im.mode in ("RGB", "RGBA", "CMYK"):
        try:  # bring wide-gamut (Display P3) and CMYK photos into sRGB before dropping the profile
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(
                im, source, ImageCms.createProfile("sRGB"), outputMode="RGBA" if im.mode == "RGBA" else "RGB"
            )
            if converted is not None:
                im = converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: fall back to a plain conversion
    if im.mode == "RGBA":
        background = Image.new("RGB", im.size, (255, 255, 255))
        background.paste(im, mask=im.getchannel("A"))
        return background
    return im.convert("RGB")


def _jpeg(im: Image.Image, quality: int) -> bytes:
    """Encode pixels only: a fresh image carries no info, EXIF, ICC or comments."""
    clean = Image.frombytes("RGB", im.size, im.tobytes())
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def sanitize_image(
    data: bytes,
    *,
    max_bytes: int = 10_000_000,
    max_pixels: int = 40_000_000,
    max_side: int = 2048,
    thumb_side: int = 480,
) -> SanitizedImage:
    """Validate an upload and re-encode it as an upright, resized, metadata-free JPEG."""
    if min(max_bytes, max_pixels, max_side, thumb_side) < 1:
        raise ValueError("limits must be positive")
    if not data:
        raise _reject("empty")
    if len(data) > max_bytes:
        raise _reject("too_large", mb=max(1, max_bytes // 1_000_000))
    data = bytes(data)
    # Pillow warns (rather than fails) on moderately large images and on odd files; make its
    # decompression-bomb warning an error and keep other parser chatter out of the logs.
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        im = _open(data, max_pixels)
        original_format = im.format or "UNKNOWN"
        try:
            if original_format == "JPEG":
                im.draft(None, (max_side, max_side))  # let libjpeg scale big photos while decoding
            im.load()
            try:
                im = ImageOps.exif_transpose(im)
            except _DECODE_ERRORS:
                pass  # unreadable EXIF: keep the pixels as stored
            rgb = _to_rgb(im)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _reject("too_many_pixels") from exc
        except _DECODE_ERRORS as exc:
            raise _reject("corrupt") from exc
    if max(rgb.size) > max_side:
        rgb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    thumb = rgb.copy()
    thumb.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS)
    return SanitizedImage(_jpeg(rgb, 85), _jpeg(thumb, 80), rgb.width, rgb.height, original_format)
