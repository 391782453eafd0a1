"""The office's words for unit kinds, cadre roles and keyword lists."""
from __future__ import annotations

import pytest

from domain.org_words import cadre_role, split_keywords, unit_kind


@pytest.mark.parametrize("word, kind", [
    ("区", "district"), ("分类办", "office"), ("街道", "street"), ("街道办事处", "street"),
    ("社区", "community"), ("居委会", "community"), ("村委会", "community"),
    ("物业", "property"), ("物业公司", "property"), ("部门", "department"),
    ("执法局", "department"), ("street", "street"), (" Street ", "street"), ("公司", None),
])
def test_unit_kinds(word: str, kind: str | None) -> None:
    assert unit_kind(word) == kind


@pytest.mark.parametrize("word, role", [
    ("负责人", "leader"), ("主要负责人", "leader"), ("分管领导", "leader"), ("leader", "leader"),
    ("成员", "member"), ("联络员", "member"), ("member", "member"), ("局长", None),
])
def test_cadre_roles(word: str, role: str | None) -> None:
    assert cadre_role(word) == role


def test_keywords_take_every_common_separator() -> None:
    assert split_keywords("岭南路|岭南社区;松风路；长乐路,樱花路，望江路、湖滨路 东湖路  岭南路") == [
        "岭南路", "岭南社区", "松风路", "长乐路", "樱花路", "望江路", "湖滨路", "东湖路"]
    assert split_keywords("") == []
