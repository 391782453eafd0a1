"""JSON shape of a classification for the `kb classify` CLI."""
from __future__ import annotations

from typing import Any

from domain.sorting.model import Classification


def classification_to_json(c: Classification) -> dict[str, Any]:
    """One JSON object per query; chitchat and guide map to not_found with an extra 'intent'."""
    status = c.status if c.status in ("ok", "ambiguous", "not_found") else "not_found"
    out: dict[str, Any] = {
        "query": c.query,
        "status": status,
        "answers": [
            {
                "item": a.item,
                "category": a.category,
                "label": a.label,
                "confidence": round(a.confidence, 3),
                "matched_by": a.matched_by,
                **({"inferred": True, "basis": a.basis or a.item} if a.inferred else {}),
            }
            for a in c.answers
        ],
    }
    if status != c.status:
        out["intent"] = c.status
    if c.suggestions:
        out["suggestions"] = list(c.suggestions)
    if c.special:
        out["special"] = c.special
    if c.part:
        out["part"] = c.part
    if c.items:
        out["items"] = [classification_to_json(sub) for sub in c.items]
    if c.missing:
        out["missing"] = list(c.missing)
    if c.parts:
        out["parts"] = [{"what": p.what, "category": p.category, "label": p.label, "action": p.action} for p in c.parts]
    return out
