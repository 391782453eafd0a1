"""Sorting questions: any text that is not a command, and voice messages' recognised text."""
from __future__ import annotations

import threading
import weakref

from domain.sorting.render import render_reply
from domain.sorting.guides import category_guide, overview
from domain.sorting.matcher import Matcher
from domain.sorting.model import FOUR_BINS
from handlers.types import Context, Incoming

# Menu keys for the guides: GUIDE_ALL and one per national category.
GUIDE_KEYS = {"GUIDE_ALL": "", "GUIDE_RECYCLABLE": FOUR_BINS[0], "GUIDE_HAZARDOUS": FOUR_BINS[1],
              "GUIDE_KITCHEN": FOUR_BINS[2], "GUIDE_OTHER": FOUR_BINS[3]}
MAX_QUERY_CHARS = 200
_MISSES = "kb_misses"  # ctx.cache key: (query, status) pairs, counted after the reply commits
MAX_ANSWERS = 4096  # remembered replies per matcher (a few MB at most)
Answer = tuple[str, tuple[tuple[str, str], ...]]  # (reply, the (query, status) misses it makes)
# Replies are a pure function of the matcher, the city and the text, and residents ask the
# same few hundred things over and over: each matcher (rebuilt when the office edits the
# knowledge base) keeps its own replies, so an edit never meets an old answer.
_answers: "weakref.WeakKeyDictionary[Matcher, dict[tuple[str, str], Answer]]" = \
    weakref.WeakKeyDictionary()
_answers_lock = threading.Lock()


def pending_misses(ctx: Context) -> list[tuple[str, str]]:
    """The unanswered questions of this delivery, for the web layer to count after the reply."""
    return list(ctx.cache.get(_MISSES, ()))


def answer(ctx: Context, m: Incoming) -> str:
    """Classify the message for the configured city and say where it goes."""
    matcher = ctx.kb.matcher(ctx.session)
    key = (ctx.config.CITY_PROFILE, m.text[:MAX_QUERY_CHARS])
    replies = _answers.get(matcher)
    found = replies.get(key) if replies is not None else None
    if found is None:
        found = _classify(matcher, *key)
        with _answers_lock:
            replies = _answers.setdefault(matcher, {})
            if len(replies) >= MAX_ANSWERS:
                del replies[next(iter(replies))]  # the oldest first
            replies[key] = found
    reply, misses = found
    if misses:
        ctx.cache.setdefault(_MISSES, []).extend(misses)
    return reply


def _classify(matcher: Matcher, city: str, text: str) -> Answer:
    misses: list[tuple[str, str]] = []
    c = matcher.classify(text, city)
    if c.status in ("not_found", "ambiguous") and c.normalized:
        misses.append((c.normalized, c.status))
    elif any(a.matched_by == "class" for a in c.answers):  # answered by its class: worth an item of its own
        misses.append((c.normalized, "inferred"))
    for sub in c.items:  # several items: record the ones we could not place
        if sub.status in ("not_found", "ambiguous") and sub.normalized:
            misses.append((sub.normalized, sub.status))
    for missing in c.missing:
        misses.append((missing, "not_found"))
    return render_reply(c, matcher.kb.profile(c.city)), tuple(misses)


def guide(ctx: Context, m: Incoming) -> str:
    """A category guide from the menu."""
    kb = ctx.kb.matcher(ctx.session).kb
    profile = kb.profile(ctx.config.CITY_PROFILE)
    category = GUIDE_KEYS.get(m.event_key, "")
    return category_guide(profile, category) if category else overview(profile)
