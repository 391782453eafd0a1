"""Sorting questions: any text that is not a command, and voice messages' recognised text."""
from __future__ import annotations

from domain.sorting.render import render_reply
from domain.sorting.guides import category_guide, overview
from domain.sorting.model import FOUR_BINS
from handlers.types import Context, Incoming
from models.kb_service import record_miss

# Menu keys for the guides: GUIDE_ALL and one per national category.
GUIDE_KEYS = {"GUIDE_ALL": "", "GUIDE_RECYCLABLE": FOUR_BINS[0], "GUIDE_HAZARDOUS": FOUR_BINS[1],
              "GUIDE_KITCHEN": FOUR_BINS[2], "GUIDE_OTHER": FOUR_BINS[3]}
MAX_QUERY_CHARS = 200


def answer(ctx: Context, m: Incoming) -> str:
    """Classify the message for the configured city and say where it goes."""
    matcher = ctx.services.get("kb").matcher(ctx.session)
    text = m.text[:MAX_QUERY_CHARS]
    c = matcher.classify(text, ctx.config.CITY_PROFILE)
    if c.status in ("not_found", "ambiguous") and c.normalized:
        record_miss(ctx.session, c.normalized, c.status, ctx.now)
    for sub in c.items:  # several items: record the ones we could not place
        if sub.status in ("not_found", "ambiguous") and sub.normalized:
            record_miss(ctx.session, sub.normalized, sub.status, ctx.now)
    for missing in c.missing:
        record_miss(ctx.session, missing, "not_found", ctx.now)
    return render_reply(c, matcher.kb.profile(c.city))


def guide(ctx: Context, m: Incoming) -> str:
    """A category guide from the menu."""
    kb = ctx.services.get("kb").matcher(ctx.session).kb
    profile = kb.profile(ctx.config.CITY_PROFILE)
    category = GUIDE_KEYS.get(m.event_key, "")
    return category_guide(profile, category) if category else overview(profile)
