"""Stored codes as the office's words on the dashboard (wechat → 微信, area → 按区域)."""
from __future__ import annotations

import re

from flask import Flask

SOURCE_WORDS = {"wechat": "微信", "open311": "开放接口（Open311）", "web": "工作台"}
ROUTE_WORDS = {"department": "按问题类型派给职能部门", "area": "按区域", "nearest": "按最近单位",
               "keyword": "按地址关键词", "triage": "待分派"}
KIND_WORDS = {"district": "区", "office": "分类办", "street": "街道", "community": "社区",
              "property": "物业", "department": "部门"}
PHOTO_WORDS = {"report": "整改前（上报照片）", "rectify": "整改后（整改照片）"}
# Notes written by the case service before these words existed.
_AUTO = re.compile(r"自动派单（(\w+)）")
_SOURCE = re.compile(r"来源：(\w+)")


def note_words(note: str) -> str:
    """'自动派单（area）' → '按区域自动派单', '来源：wechat' → '来源：微信'."""
    note = _AUTO.sub(lambda m: ROUTE_WORDS.get(m[1], m[1]) + "自动派单"
                     if m[1] in ROUTE_WORDS else m[0], note)
    return _SOURCE.sub(lambda m: "来源：" + SOURCE_WORDS.get(m[1], m[1]), note)


def register(app: Flask) -> None:
    app.add_template_filter(note_words, "note_words")
    app.add_template_filter(lambda v: SOURCE_WORDS.get(v, v), "source_word")
    app.add_template_filter(lambda v: ROUTE_WORDS.get(v, v), "route_word")
    app.add_template_filter(lambda v: KIND_WORDS.get(v, v), "kind_word")
