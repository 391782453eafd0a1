"""Loader: CSV/TOML format, merging of duplicates, overlays and the checker."""
from pathlib import Path

import pytest

from domain.sorting.check import find_problems
from domain.sorting.kb import KBError, load_kb
from domain.sorting.model import Item

PROFILE = """key = "{key}"
name = "{name}"
[categories."厨余垃圾"]
label = "{food}"
bin = "{colour}"
"""


def make_kb_dir(root: Path, files: dict[str, str], overrides: str = "") -> Path:
    (root / "items").mkdir(parents=True)
    for name, text in files.items():
        (root / "items" / name).write_text(text, encoding="utf-8")
    for key, food, colour in (("national", "厨余垃圾", "绿色"), ("shanghai", "湿垃圾", "棕色")):
        city = root / "cities" / key
        city.mkdir(parents=True)
        (city / "profile.toml").write_text(PROFILE.format(key=key, name=key, food=food, colour=colour), encoding="utf-8")
    if overrides:
        (root / "cities" / "shanghai" / "overrides_x.csv").write_text(overrides, encoding="utf-8")
    return root


HEADER = "name,category,aliases,tip\n"


def test_core_wins_and_aliases_merge(tmp_path: Path) -> None:
    root = make_kb_dir(tmp_path, {
        "a_x.csv": HEADER + "花生壳,其他垃圾,花生皮,\n",
        "core.csv": HEADER + "花生壳,厨余垃圾,花生衣,沥干\n",
    })
    kb = load_kb(root)
    item = kb.items["花生壳"]
    assert item.category == "厨余垃圾"
    assert set(item.aliases) == {"花生衣", "花生皮"}
    assert item.tip == "沥干"
    report = find_problems(kb)
    assert len(report.conflicts) == 1 and "花生壳" in report.conflicts[0]


def test_checker_reports_alias_collisions_and_bad_overrides(tmp_path: Path) -> None:
    root = make_kb_dir(
        tmp_path,
        {"core.csv": HEADER + "报纸,可回收物,纸,\n餐巾纸,其他垃圾,纸,\n"},
        overrides="name,category,note\n不存在,其他垃圾,\n报纸,可回收物,\n",
    )
    report = find_problems(load_kb(root))
    assert any(line.startswith("纸:") for line in report.alias_collisions)
    assert len(report.overrides) == 2
    assert report.errors == 3


def test_city_override_changes_category_only_there(tmp_path: Path) -> None:
    root = make_kb_dir(tmp_path, {"core.csv": HEADER + "LED灯,其他垃圾,,\n"},
                       overrides="name,category,note\nLED灯,有害垃圾,上海按有害垃圾投放\n")
    kb = load_kb(root)
    assert kb.category_for("LED灯", "shanghai") == ("有害垃圾", "上海按有害垃圾投放")
    assert kb.category_for("LED灯", "national")[0] == "其他垃圾"
    assert kb.category_for("LED灯", "beijing")[0] == "其他垃圾"  # unknown city falls back to national


def test_unknown_category_and_bad_header_fail_loudly(tmp_path: Path) -> None:
    with pytest.raises(KBError, match="unknown category"):
        load_kb(make_kb_dir(tmp_path / "a", {"core.csv": HEADER + "电池,危险垃圾,,\n"}))
    with pytest.raises(KBError, match="header"):
        load_kb(make_kb_dir(tmp_path / "b", {"core.csv": "name,cat\n电池,有害垃圾\n"}))


def test_with_items_overlays_and_rebuilds_index(tmp_path: Path) -> None:
    kb = load_kb(make_kb_dir(tmp_path, {"core.csv": HEADER + "花生壳,厨余垃圾,,\n"}))
    assert kb.index.lookup("花生壳") == ("花生壳",)
    edited = kb.with_items([Item("花生壳", "其他垃圾"), Item("新物品", "可回收物", ("新东西",))])
    assert edited.items["花生壳"].category == "其他垃圾"
    assert edited.index.lookup("新东西") == ("新物品",)
    assert kb.items["花生壳"].category == "厨余垃圾"  # the original is untouched
    with pytest.raises(KBError):
        kb.with_items([Item("x", "不知道")])


def test_real_data_loads_with_profiles_and_specials() -> None:
    kb = load_kb(Path(__file__).resolve().parents[2] / "data" / "kb")
    assert {"national", "shanghai"} <= set(kb.profiles)
    assert kb.profile("shanghai").label("厨余垃圾") == "湿垃圾"
    assert kb.profile("shanghai").label("其他垃圾") == "干垃圾"
    assert kb.profile("national").label("其他垃圾") == "其他垃圾"
    assert {"电池", "奶茶"} <= set(kb.specials)
    assert len(kb.items) >= 150


def test_checker_reports_special_parts_without_an_answer(tmp_path: Path) -> None:
    root = make_kb_dir(tmp_path, {"core.csv": HEADER + "粽叶,厨余垃圾,,\n"})
    (root / "special.toml").write_text(
        '[[special]]\nname = "粽子"\nkind = "composite"\nparts = [\n'
        '  { what = "粽叶", item = "粽叶", category = "其他垃圾" },\n'
        '  { what = "绳子", item = "没有这个" },\n'
        '  { what = "空的" },\n]\n', encoding="utf-8")
    report = find_problems(load_kb(root))
    assert len(report.specials) == 2
    assert "没有这个" in report.specials[0]
