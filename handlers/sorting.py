"""Sorting questions: any text that is not a command, and voice messages' recognised text."""
from __future__ import annotations

from domain.sorting.render import render_reply
from domain.sorting.guides import category_guide, overview
from domain.sorting.model import FOUR_BINS
from handlers.types import Context, Incoming

# Menu keys for the guides: GUIDE_ALL and one per national category.
GUIDE_KEYS = {"GUIDE_ALL": "", "GUIDE_RECYCLABLE": FOUR_BINS[0], "GUIDE_HAZARDOUS": FOUR_BINS[1],
              "GUIDE_KITCHEN": FOUR_BINS[2], "GUIDE_OTHER": FOUR_BINS[3]}
MAX_QUERY_CHARS = 200
_MISSES = "kb_misses"  # ctx.cache key: (query, status) pairs, counted after the reply commits


def pending_misses(ctx: Context) -> list[tuple[str, str]]:
    """The unanswered questions of this delivery, for the web layer to count after the reply."""
    return list(ctx.cache.get(_MISSES, ()))


def _miss(ctx: Context, query: str, status: str) -> None:
    ctx.cache.setdefault(_MISSES, []).append((query, status))


def answer(ctx: Context, m: Incoming) -> str:
    """Classify the message for the configured city and say where it goes."""
    matcher = ctx.kb.matcher(ctx.session)
    text = m.text[:MAX_QUERY_CHARS]
    c = matcher.classify(text, ctx.config.CITY_PROFILE)
    if c.status in ("not_found", "ambiguous") and c.normalized:
        _miss(ctx, c.normalized, c.status)
    elif any(a.matched_by == "class" for a in c.answers):  # answered by its class: worth an item of its own
        _miss(ctx, c.normalized, "inferred")
    for sub in c.items:  # several items: record the ones we could not place
        if sub.status in ("not_found", "ambiguous") and sub.normalized:
            _miss(ctx, sub.normalized, sub.status)
    for missing in c.missing:
        _miss(ctx, missing, "not_found")
    return render_reply(c, matcher.kb.profile(c.city))


def guide(ctx: Context, m: Incoming) -> str:
    """A category guide from the menu."""
    kb = ctx.kb.matcher(ctx.session).kb
    profile = kb.profile(ctx.config.CITY_PROFILE)
    category = GUIDE_KEYS.get(m.event_key, "")
    return category_guide(profile, category) if category else overview(profile)
