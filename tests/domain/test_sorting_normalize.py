"""Normalisation of raw chat text into lookup keys."""
import pytest

from domain.sorting.normalize import Normalizer, key, strip_wrappers


@pytest.fixture(scope="module")
def norm() -> Normalizer:
    return Normalizer()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("请问电池是什么垃圾？", "电池"),
        ("香蕉皮属于哪类垃圾", "香蕉皮"),
        ("塑料瓶属于哪一类", "塑料瓶"),
        ("大骨头算什么垃圾", "大骨头"),
        ("玻璃瓶扔哪个桶", "玻璃瓶"),
        ("塑料袋放哪个桶", "塑料袋"),
        ("旧衣服可以回收吗", "旧衣服"),
        ("报纸能回收吗", "报纸"),
        ("我想问一下塑料瓶怎么扔", "塑料瓶"),
        ("口红怎么分类", "口红"),
        ("纸巾是干垃圾还是湿垃圾", "纸巾"),
        ("鸡骨头是湿垃圾吗？", "鸡骨头"),
    ],
)
def test_wrappers_are_stripped(norm: Normalizer, raw: str, expected: str) -> None:
    assert norm.query_key(raw) == expected


def test_traditional_full_width_voice_and_emoji(norm: Normalizer) -> None:
    assert norm.query_key("電池怎麼扔。") == "电池"
    assert norm.query_key("ＤＩＡＮＣＨＩ") == "dianchi"
    assert norm.query_key("苹果核😀") == "苹果核"
    assert norm.query_key("  旧 报纸 ！！") == "旧报纸"


def test_wrapper_stripping_never_empties_and_keeps_item_words() -> None:
    assert strip_wrappers("垃圾袋") == "垃圾袋"
    assert strip_wrappers("是什么垃圾") != ""


def test_key_folds_width_and_case() -> None:
    assert key("Ｘ光片") == key("x光片") == "x光片"
