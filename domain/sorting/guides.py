"""Category guide texts for a city: what goes in, bin colour, how to put it out."""
from __future__ import annotations

from domain.sorting.model import FOUR_BINS, CityProfile


def bin_phrase(profile: CityProfile, category: str) -> str:
    """'湿垃圾（棕色桶）', or just the label for streams without a bin."""
    rule = profile.rule(category)
    return f"{rule.label}（{rule.bin_colour}桶）" if rule.bin_colour else rule.label


def category_guide(profile: CityProfile, category: str) -> str:
    """Guide text for one national category in a city."""
    rule = profile.rule(category)
    lines = [f"【{bin_phrase(profile, category)}】"]
    if rule.description:
        lines.append(rule.description)
    if rule.examples:
        lines.append("常见：" + "、".join(rule.examples))
    if rule.rules:
        lines.append("投放：" + "；".join(rule.rules))
    return "\n".join(lines)


def overview(profile: CityProfile) -> str:
    """Short overview of the four bins and the separately collected streams."""
    lines = [f"{profile.name}生活垃圾分为四类："]
    for category in FOUR_BINS:
        rule = profile.rule(category)
        examples = "、".join(rule.examples[:3])
        lines.append(f"· {bin_phrase(profile, category)}：如{examples}")
    lines.append("大件垃圾、装修垃圾请预约或投放到指定堆放点。发物品名称即可查询，如“电池”。")
    return "\n".join(lines)
