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
        ("香蕉皮投放到哪里", "香蕉皮"),
        ("旧报纸分什么类", "旧报纸"),
        ("塑料瓶可以扔到可回收吗", "塑料瓶"),
        ("易拉罐可以放在可回收物里吗", "易拉罐"),
        ("剩饭怎么处理比较好", "剩饭"),
        ("大棒骨放哪", "大棒骨"),
        ("旧手机可以卖吗", "旧手机"),
        ("水银温度计打碎了", "水银温度计"),
        ("我家有个电风扇", "电风扇"),
        ("扔的是鸡蛋壳", "鸡蛋壳"),
        ("冰箱里的剩菜", "剩菜"),
        ("香蕉皮算湿垃圾不", "香蕉皮"),
        ("猫砂能冲马桶吗", "猫砂"),
        ("碎玻璃怎么扔才安全", "碎玻璃"),
        ("大骨头为什么是干垃圾", "大骨头"),
        ("电池和香蕉皮分别是什么垃圾", "电池和香蕉皮"),
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


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("is a pizza box recyclable", "a pizza box"),
        ("how do i dispose of old batteries", "old batteries"),
        ("what bin does a banana peel go in", "a banana peel"),
        ("is a bone kitchen waste", "a bone"),
        ("pet waste", "pet waste"),
        ("food waste", "food waste"),
        ("plastic bottle recyclable or not", "plastic bottle"),
    ],
)
def test_english_questions_are_cut_to_the_thing(raw: str, expected: str) -> None:
    from domain.sorting.normalize import strip_english

    assert strip_english(raw) == expected
