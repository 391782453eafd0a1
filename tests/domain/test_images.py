"""Photo sanitising: hostile files are rejected, good photos come out upright and metadata-free."""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, features

from domain.images import (
    ImageRejected,
    SanitizedImage,
    content_digest,
    safe_media_name,
    sanitize_image,
)

RED, BLUE = (220, 20, 20), (20, 20, 220)


def encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def close(a: tuple[int, ...], b: tuple[int, ...], tol: int = 40) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b))


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def raw_png(width: int, height: int, bit_depth: int, colour_type: int, rows: bytes) -> bytes:
    """A PNG built by hand, so the header can say anything."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b"")


def jpeg_markers(data: bytes) -> list[int]:
    """The marker bytes of a JPEG's header segments, up to the start of scan."""
    assert data[:2] == b"\xff\xd8"
    markers, pos = [], 2
    while pos < len(data):
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + length
    return markers


def rejected(data: bytes, **limits: int) -> str:
    with pytest.raises(ImageRejected) as info:
        sanitize_image(data, **limits)
    assert re.search(r"[\u4e00-\u9fff]", info.value.message_zh)  # a Chinese message for the resident
    return info.value.reason_code


def assert_clean_jpeg(data: bytes) -> Image.Image:
    im = decode(data)
    assert im.format == "JPEG" and im.mode == "RGB"
    assert not im.getexif() and "exif" not in im.info and "icc_profile" not in im.info
    markers = jpeg_markers(data)
    # Only JFIF's APP0 is allowed: no APP1 (EXIF/XMP), APP2 (ICC), APP13 (IPTC) or COM.
    assert not [m for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE]
    return im


# --- metadata and orientation ----------------------------------------------------------


@pytest.fixture
def gps_photo() -> bytes:
    """40×20 stored pixels (top red, bottom blue), orientation 6, GPS in Shanghai."""
    im = Image.new("RGB", (40, 20), BLUE)
    im.paste(RED, (0, 0, 40, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (31.0, 14.0, 2.5), 3: "E", 4: (121.0, 28.0, 7.25)})
    data = encode(im, "JPEG", exif=exif.tobytes(), quality=95, comment=b"secret note")
    assert decode(data).getexif().get_ifd(0x8825)[2] == (31.0, 14.0, 2.5)  # the fixture is real
    return data


def test_exif_and_gps_are_gone_and_orientation_is_applied(gps_photo: bytes) -> None:
    result = sanitize_image(gps_photo)
    assert (result.width, result.height, result.original_format) == (20, 40, "JPEG")
    im = assert_clean_jpeg(result.full)
    assert im.size == (20, 40)
    # Rotating clockwise puts the stored top (red) on the right.
    assert close(im.getpixel((16, 20)), RED) and close(im.getpixel((3, 20)), BLUE)
    assert b"PhoneMaker" not in result.full and b"secret note" not in result.full
    thumb = assert_clean_jpeg(result.thumb)
    assert thumb.size == (20, 40)


def test_icc_profile_is_dropped_after_conversion() -> None:
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(Image.new("RGB", (32, 32), RED), "JPEG", icc_profile=srgb, quality=95)
    assert "icc_profile" in decode(data).info
    im = assert_clean_jpeg(sanitize_image(data).full)
    assert close(im.getpixel((16, 16)), RED)


def test_broken_icc_profile_does_not_reject_the_photo() -> None:
    data = encode(Image.new("RGB", (32, 32), RED), "JPEG", icc_profile=b"not a profile" * 20)
    im = assert_clean_jpeg(sanitize_image(data).full)
    assert close(im.getpixel((16, 16)), RED)


# --- sizes --------------------------------------------------------------------------------


def test_resizes_to_max_side_keeping_aspect_and_makes_a_thumbnail() -> None:
    result = sanitize_image(encode(Image.new("RGB", (3000, 1000), RED), "PNG"))
    assert (result.width, result.height) == (2048, 683)
    assert decode(result.full).size == (2048, 683)
    assert decode(result.thumb).size == (480, 160)
    assert len(result.thumb) < len(result.full)


def test_big_jpeg_is_scaled_while_decoding_and_still_exact_size() -> None:
    result = sanitize_image(encode(Image.new("RGB", (6000, 4000), BLUE), "JPEG"), max_side=1000, thumb_side=100)
    assert (result.width, result.height) == (1000, 667)
    assert decode(result.thumb).size == (100, 67)


def test_small_images_are_not_enlarged() -> None:
    result = sanitize_image(encode(Image.new("RGB", (300, 200), RED), "WEBP"))
    assert (result.width, result.height, result.original_format) == (300, 200, "WEBP")
    assert decode(result.thumb).size == (300, 200)


def test_too_many_bytes() -> None:
    data = encode(Image.effect_noise((200, 200), 60).convert("RGB"), "PNG")
    assert rejected(data, max_bytes=len(data) - 1) == "too_large"
    assert sanitize_image(data, max_bytes=len(data)).width == 200


def test_pixel_limit_is_checked_before_decoding() -> None:
    data = encode(Image.new("RGB", (300, 300)), "PNG")
    assert rejected(data, max_pixels=300 * 300 - 1) == "too_many_pixels"


def test_tiny_file_claiming_a_huge_canvas_is_a_bomb() -> None:
    bomb = raw_png(100_000, 100_000, 8, 2, b"\x00" * 4)
    assert len(bomb) < 100
    assert rejected(bomb) == "too_many_pixels"
    # Even if the caller raised our limit, Pillow's own bomb error still rejects it.
    assert rejected(bomb, max_pixels=10**11) == "too_many_pixels"


def test_pillow_bomb_warning_becomes_a_rejection() -> None:
    # 10,000 × 10,000 is above Pillow's warning threshold but below its hard error.
    header_only = raw_png(10_000, 10_000, 8, 0, b"\x00" * 4)
    assert Image.MAX_IMAGE_PIXELS is not None and 10**8 > Image.MAX_IMAGE_PIXELS
    assert rejected(header_only, max_pixels=10**9) == "too_many_pixels"


# --- formats and hostile files ------------------------------------------------------------


def test_zip_renamed_jpg_is_not_an_image() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("photo.jpg", b"\xff\xd8\xff" + b"x" * 100)
    assert rejected(buf.getvalue()) == "not_image"


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5"/></svg>',
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64,
    ],
    ids=["svg-xml", "svg", "heic"],
)
def test_unsupported_formats(data: bytes) -> None:
    if b"ftypheic" in data and "HEIF" in Image.OPEN:
        pytest.skip("a HEIF plugin is installed here")
    assert rejected(data) == "unsupported_format"


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO", "AVIF"])
def test_formats_pillow_reads_but_we_do_not_accept(fmt: str) -> None:
    if fmt == "AVIF" and not features.check("avif"):
        pytest.skip("no AVIF codec to build the sample")
    data = encode(Image.new("RGB", (16, 16), RED), fmt)
    assert rejected(data) == "unsupported_format"


@pytest.mark.parametrize("data", [b"", b"hello, world", bytes(range(256)) * 4, "垃圾照片".encode()])
def test_garbage(data: bytes) -> None:
    assert rejected(data) in ("empty", "not_image")


def test_truncated_jpeg() -> None:
    data = encode(Image.effect_noise((400, 400), 80).convert("RGB"), "JPEG", quality=90)
    assert sanitize_image(data).width == 400
    assert rejected(data[: len(data) // 2]) == "corrupt"


def test_png_with_broken_data() -> None:
    good = encode(Image.new("RGB", (50, 50), RED), "PNG")
    assert rejected(good[:40]) == "corrupt"
    assert rejected(raw_png(50, 50, 8, 2, b"\x00" * 10)) == "corrupt"  # too few rows


# --- colour modes ---------------------------------------------------------------------------


def test_png_with_16_bit_grey_is_scaled_not_clipped() -> None:
    grey = Image.new("I;16", (16, 16), 32768)
    data = encode(grey, "PNG")
    assert decode(data).mode.startswith("I")
    im = assert_clean_jpeg(sanitize_image(data).full)
    assert close(im.getpixel((8, 8)), (128, 128, 128), tol=3)


def test_png_with_16_bit_rgb_channels() -> None:
    row = b"\x00" + b"\xdc\x00\x14\x00\x14\x00" * 8  # 16-bit (220, 20, 20) per pixel
    data = raw_png(8, 8, 16, 2, row * 8)
    im = assert_clean_jpeg(sanitize_image(data).full)
    assert close(im.getpixel((4, 4)), RED, tol=10)


def test_cmyk_jpeg() -> None:
    data = encode(Image.new("CMYK", (32, 32), (0, 230, 230, 0)), "JPEG", quality=95)
    assert decode(data).mode == "CMYK"
    im = assert_clean_jpeg(sanitize_image(data).full)
    red, green, blue = im.getpixel((16, 16))  # type: ignore[misc]
    assert red > 200 and green < 60 and blue < 60


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_transparency_becomes_white(mode: str) -> None:
    im = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    im.paste((220, 20, 20, 255), (0, 0, 10, 20))
    if mode == "LA":
        im = im.convert("LA")
    elif mode == "P":
        im = im.convert("P", palette=Image.Palette.ADAPTIVE)
        im.info["transparency"] = im.getpixel((15, 10))
    data = encode(im, "PNG", transparency=im.info["transparency"]) if mode == "P" else encode(im, "PNG")
    out = assert_clean_jpeg(sanitize_image(data).full)
    assert close(out.getpixel((15, 10)), (255, 255, 255), tol=10)
    assert out.getpixel((3, 10)) != out.getpixel((15, 10))


def test_black_and_white_and_palette_images() -> None:
    for im in (Image.new("1", (16, 16), 1), Image.new("L", (16, 16), 90), Image.new("RGB", (16, 16), RED).convert("P")):
        out = assert_clean_jpeg(sanitize_image(encode(im, "PNG")).full)
        assert out.size == (16, 16)


def test_animated_gif_uses_the_first_frame() -> None:
    frames = [Image.new("RGB", (24, 24), colour) for colour in (RED, BLUE, (20, 200, 20))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert getattr(decode(data), "n_frames", 1) == 3
    result = sanitize_image(data)
    assert result.original_format == "GIF"
    assert close(decode(result.full).getpixel((12, 12)), RED)


# --- robustness -------------------------------------------------------------------------------

SAMPLES = [
    encode(Image.effect_noise((64, 48), 50).convert("RGB"), "JPEG"),
    encode(Image.effect_noise((64, 48), 50).convert("RGB"), "PNG"),
    encode(Image.new("RGB", (64, 48), RED), "GIF"),
    encode(Image.new("RGB", (64, 48), BLUE), "WEBP"),
]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SAMPLES), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8), st.integers(0, 20_000))
def test_mutated_files_only_ever_raise_image_rejected(sample: bytes, flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(sample[: max(1, len(sample) - cut)] if cut % 3 == 0 else sample)
    for pos, value in flips:
        data[pos % len(data)] = value
    try:
        result = sanitize_image(bytes(data))
    except ImageRejected as exc:
        assert exc.reason_code in ("empty", "not_image", "unsupported_format", "too_many_pixels", "corrupt")
    else:
        assert isinstance(result, SanitizedImage)
        assert_clean_jpeg(result.full)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_only_ever_raise_image_rejected(data: bytes) -> None:
    with pytest.raises(ImageRejected):
        sanitize_image(data)


def test_invalid_limits() -> None:
    with pytest.raises(ValueError):
        sanitize_image(SAMPLES[0], max_side=0)


# --- names --------------------------------------------------------------------------------------


def test_content_digest() -> None:
    assert content_digest(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert content_digest(b"a") != content_digest(b"b")


def test_safe_media_name() -> None:
    digest = content_digest(b"photo")
    name = safe_media_name("TS20240520-0001", 2, digest)
    assert name == f"TS20240520-0001_002_{digest[:16]}"
    assert re.fullmatch(r"[A-Za-z0-9_-]+", name)


@pytest.mark.parametrize(
    ("case_number", "index", "digest"),
    [
        ("../../etc/passwd", 0, "a" * 64),
        ("TS 1", 0, "a" * 64),
        ("", 0, "a" * 64),
        ("案件1", 0, "a" * 64),
        ("TS_1", 0, "a" * 64),
        ("-rf", 0, "a" * 64),
        ("TS1\n", 0, "a" * 64),
        ("T" * 41, 0, "a" * 64),
        ("TS1", -1, "a" * 64),
        ("TS1", 1000, "a" * 64),
        ("TS1", True, "a" * 64),
        ("TS1", 1.0, "a" * 64),
        ("TS1", 0, "A" * 64),
        ("TS1", 0, "a" * 63),
        ("TS1", 0, "g" * 64),
        ("TS1", 0, "a" * 63 + "/"),
    ],
)
def test_safe_media_name_rejects_unsafe_input(case_number: str, index: int, digest: str) -> None:
    with pytest.raises(ValueError):
        safe_media_name(case_number, index, digest)
