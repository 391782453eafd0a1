"""The office's own words in unit and cadre sheets (街道办事处, 分管领导) → the stored codes."""
from __future__ import annotations

import re

KIND_WORDS: dict[str, tuple[str, ...]] = {
    "district": ("district", "区", "区级", "区政府", "县", "县级"),
    "office": ("office", "分类办", "区分类办", "垃圾分类办", "垃圾分类办公室", "分类办公室"),
    "street": ("street", "街道", "街道办", "街道办事处", "镇", "乡", "镇街", "乡镇"),
    "community": ("community", "社区", "居委会", "社区居委会", "居民委员会", "村", "村委会",
                  "村民委员会", "村居"),
    "property": ("property", "物业", "物业公司", "物业服务企业", "物业服务中心", "小区"),
    "department": ("department", "部门", "职能部门", "执法局", "城管", "城管局", "城管执法局",
                   "综合执法局", "环卫所", "环卫"),
}
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "leader": ("leader", "负责人", "主要负责人", "分管领导", "领导", "组长", "分管负责人"),
    "member": ("member", "成员", "联络员", "工作人员", "组员", "专干"),
}
# Column headers of the office's sheets: the stored column name → the office's words for it,
# the first one shown in messages. Matched ignoring spaces, case, a trailing * and （注）.
UNIT_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("单位编码", "编码", "单位代码", "代码", "编号"),
    "name": ("名称", "单位名称", "单位"),
    "kind": ("类型", "单位类型", "类别", "层级"),
    "parent_code": ("上级", "上级编码", "上级单位编码", "上级代码", "上级单位", "parent"),
    "address_keywords": ("地址关键词", "关键词", "地址", "辖区", "辖区范围", "管辖范围"),
    "lat": ("纬度", "latitude"),
    "lng": ("经度", "lon", "longitude"),
    "radius_m": ("半径", "服务半径", "radius"),
    "is_triage": ("分拨", "分拨单位", "是否分拨"),
}
CADRE_COLUMNS: dict[str, tuple[str, ...]] = {
    "unit_code": ("单位编码", "所属单位编码", "单位代码", "编码"),
    "name": ("姓名", "名字"),
    "role": ("角色", "职务", "身份"),
    "openid": ("微信openid", "公众号openid"),
    "wecom_userid": ("企业微信账号", "企业微信", "企业微信id", "企微账号"),
    "phone": ("手机", "手机号", "电话", "联系电话"),
}
_KINDS = {w: code for code, words in KIND_WORDS.items() for w in words}
_ROLES = {w: code for code, words in ROLE_WORDS.items() for w in words}
KEYWORD_SEPARATORS = re.compile(r"[|;；,，、\s]+")


def unit_kind(text: str) -> str | None:
    """'街道办事处' → 'street'; None when the word is not known."""
    return _KINDS.get(text.strip().lower())


def cadre_role(text: str) -> str | None:
    """'分管领导' → 'leader', '联络员' → 'member'; None when the word is not known."""
    return _ROLES.get(text.strip().lower())


def split_keywords(text: str) -> list[str]:
    """Address keywords separated by | ; ； , ， 、 or spaces, in order, without repeats."""
    return list(dict.fromkeys(k for k in KEYWORD_SEPARATORS.split(text) if k))


def kind_names() -> str:
    return "、".join(words[1] for words in KIND_WORDS.values())
