"""GeoReport v2's XML form of the same data as the JSON (e.g. services.xml, requests.xml)."""
from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

# The standard's element names for lists: a list under key K holds elements ITEM[K].
ITEM = {"services": "service", "service_requests": "request", "errors": "error",
        "endpoints": "endpoint", "formats": "format"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value: Any, tag: str) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child, key)
    elif isinstance(value, list):
        for child in value:
            _fill(ET.SubElement(element, ITEM.get(tag, "item")), child, ITEM.get(tag, "item"))
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    """`value` (a list of dicts, or a dict) under <root>, UTF-8 with a declaration."""
    element = ET.Element(root)
    _fill(element, value, root)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)
