"""The on-disk pinyin cache: read when present, filled when short, harmless when broken."""
from __future__ import annotations

import pickle
from pathlib import Path

from domain.sorting.pinyin_cache import syllable_table, syllables


def test_a_missing_cache_is_built_and_written(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "pinyin.pickle"
    table = syllable_table(["香蕉皮", "a4纸"], path)
    assert table == {"香蕉皮": ("xiang", "jiao", "pi"), "a4纸": ("a4", "zhi")}
    assert pickle.loads(path.read_bytes()) == table


def test_cached_syllables_are_used_and_new_keys_added(tmp_path: Path) -> None:
    path = tmp_path / "pinyin.pickle"
    path.write_bytes(pickle.dumps({"电池": ("from", "cache")}))
    table = syllable_table(["电池", "报纸"], path)
    assert table["电池"] == ("from", "cache")  # read, not recomputed
    assert table["报纸"] == ("bao", "zhi")
    assert pickle.loads(path.read_bytes()) == {"电池": ("from", "cache"), "报纸": ("bao", "zhi")}


def test_a_torn_cache_file_only_costs_the_conversion(tmp_path: Path) -> None:
    path = tmp_path / "pinyin.pickle"
    path.write_bytes(b"\x80\x05not a pickle")
    assert syllable_table(["银行卡"], path) == {"银行卡": tuple(syllables("银行卡"))}
    assert pickle.loads(path.read_bytes()) == {"银行卡": ("yin", "hang", "ka")}


def test_an_unwritable_cache_directory_is_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert syllable_table(["纸巾"], blocker / "sub" / "pinyin.pickle") == {"纸巾": ("zhi", "jin")}
