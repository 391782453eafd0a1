"""Chinese deadline expressions (完成时限) -> DeadlineSpec; grammar reference in docs/DEADLINES.md."""
from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = ["DeadlineSpec", "Recurrence", "next_due", "occurrences", "parse_deadline"]


@dataclass(frozen=True)
class Recurrence:
    """A repeating duty: kind daily|weekly|monthly|quarterly|yearly; day None = period end."""

    kind: str
    months: tuple[int, ...] = ()
    day: int | None = None
    weekday: int | None = None  # weekly only: 0 = Monday; None = Friday (end of the working week)
    min_count: int | None = None  # "每月至少1次"

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for the tasks table)."""
        return {
            "kind": self.kind, "months": list(self.months), "day": self.day,
            "weekday": self.weekday, "min_count": self.min_count,
        }


@dataclass(frozen=True)
class DeadlineSpec:
    """What a 完成时限 cell means; `source` is kept verbatim."""

    source: str
    due_dates: tuple[date, ...] = ()
    window_start: date | None = None
    ongoing: bool = False
    checkin: str | None = None
    recurrence: Recurrence | None = None
    needs_review: bool = False
    note: str = ""

    @property
    def due(self) -> date | None:
        """The final fixed due date, if any."""
        return self.due_dates[-1] if self.due_dates else None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form with ISO dates."""
        return {
            "source": self.source,
            "due_dates": [d.isoformat() for d in self.due_dates],
            "window_start": self.window_start.isoformat() if self.window_start else None,
            "ongoing": self.ongoing, "checkin": self.checkin,
            "recurrence": self.recurrence.as_dict() if self.recurrence else None,
            "needs_review": self.needs_review, "note": self.note,
        }


@dataclass
class _Hit:
    """What one matched fragment contributes."""

    dates: tuple[date, ...] = ()
    window_start: date | None = None
    ongoing: bool = False
    recurrence: Recurrence | None = None
    unspecified: bool = False  # 限期整改: a limit exists but is not stated
    problems: list[str] = field(default_factory=list)


Builder = Callable[[re.Match[str], date], _Hit]

# ---------------------------------------------------------------- helpers for the builders
_PARTS = {"上旬": 10, "中旬": 20}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_QUARTER_ENDS = (3, 6, 9, 12)


def month_end(y: int, m: int) -> date:
    """Last day of a month."""
    return date(y, m, calendar.monthrange(y, m)[1])


def add_months(d: date, n: int) -> date:
    """`d` moved by `n` calendar months, clamped to the month's last day."""
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _period_ends(rec: Recurrence, start: date, end: date) -> list[date]:
    """Dates in [start, end] on which a recurrence falls due."""
    if end < start:
        return []
    if rec.kind in ("daily", "weekly"):
        step = 1 if rec.kind == "daily" else 7
        offset = 0 if rec.kind == "daily" else (4 if rec.weekday is None else rec.weekday) - start.weekday()
        first = start.toordinal() + offset % 7
        return [date.fromordinal(o) for o in range(first, end.toordinal() + 1, step)]
    months = rec.months or tuple(range(1, 13))
    found = []
    for index in range(start.year * 12 + start.month - 1, end.year * 12 + end.month):
        y, m = divmod(index, 12)
        if m + 1 in months:
            last = month_end(y, m + 1)
            d = last if rec.day is None else last.replace(day=min(rec.day, last.day))
            if start <= d <= end:
                found.append(d)
    return found


def _year(m: re.Match[str], issued: date, group: str = "y", rel: str = "rel") -> int:
    gd = m.groupdict()
    if gd.get(group):
        year = int(gd[group])
    elif gd.get(rel) in ("明年", "次年"):
        year = issued.year + 1
    else:
        year = issued.year
    if not 1900 <= year <= 2199:
        raise ValueError(f"implausible year {year}")
    return year


def _day_in_month(y: int, mo: int, part: str | None) -> date:
    if part in _PARTS:
        return date(y, mo, _PARTS[part])
    return month_end(y, mo)


def _min_count(m: re.Match[str]) -> int | None:
    n = m.groupdict().get("n")
    return int(n) if n else None


# ---------------------------------------------------------------- builders, one per rule
def _ymd(m: re.Match[str], issued: date) -> _Hit:
    return _Hit(dates=(date(_year(m, issued), int(m["m"]), int(m["d"])),))


def _iso(m: re.Match[str], issued: date) -> _Hit:
    return _Hit(dates=(date(_year(m, issued), int(m["m"]), int(m["d"])),))


def _month_part(m: re.Match[str], issued: date) -> _Hit:
    return _Hit(dates=(_day_in_month(_year(m, issued), int(m["m"]), m["part"]),))


def _day_range(m: re.Match[str], issued: date) -> _Hit:
    start = date(_year(m, issued), int(m["m1"]), int(m["d1"]))
    end = date(int(m["y2"]) if m["y2"] else start.year, int(m["m2"] or m["m1"]), int(m["d2"]))
    if end < start and not m["y2"]:
        end = date(end.year + 1, end.month, end.day)
    return _Hit(dates=(end,), window_start=start,
                problems=[] if end >= start else [f"range ends before it starts: {m[0]}"])


def _month_range(m: re.Match[str], issued: date) -> _Hit:
    start = date(_year(m, issued), int(m["m1"]), 1)
    end_year = int(m["y2"]) if m["y2"] else start.year
    if not m["y2"] and int(m["m2"]) < start.month:
        end_year += 1
    end = month_end(end_year, int(m["m2"]))
    return _Hit(dates=(end,), window_start=start,
                problems=[] if end >= start else [f"range ends before it starts: {m[0]}"])


def _quarter(m: re.Match[str], issued: date) -> _Hit:
    y, q = _year(m, issued), int(m["q"])
    return _Hit(dates=(month_end(y, 3 * q),), window_start=date(y, 3 * q - 2, 1))


def _half(m: re.Match[str], issued: date) -> _Hit:
    y, first = _year(m, issued), m["h"] == "上"
    return _Hit(dates=(month_end(y, 6 if first else 12),), window_start=date(y, 1 if first else 7, 1))


def _year_end(m: re.Match[str], issued: date) -> _Hit:
    return _Hit(dates=(date(_year(m, issued), 12, 31),))


def _whole_year(m: re.Match[str], issued: date) -> _Hit:
    y = _year(m, issued)
    return _Hit(dates=(date(y, 12, 31),), window_start=date(y, 1, 1))


def _relative(m: re.Match[str], issued: date) -> _Hit:
    n, unit = int(m["n"]), m["unit"]
    if "工作日" in unit:
        return _Hit(problems=[f"working days need the calendar: {m[0]}"])
    if unit == "个月":
        return _Hit(dates=(add_months(issued, n),))
    days = n * 7 if unit in ("周", "个星期", "个周") else n
    return _Hit(dates=(date.fromordinal(issued.toordinal() + days),))


def _ongoing(m: re.Match[str], issued: date) -> _Hit:
    return _Hit(ongoing=True)


def _unspecified(m: re.Match[str], issued: date) -> _Hit:
    return _Hit(unspecified=True)


def _every_listed_months(m: re.Match[str], issued: date) -> _Hit:
    months = tuple(sorted({int(x) for x in re.findall(r"\d{1,2}", m["months"])}))
    if not all(1 <= mo <= 12 for mo in months):
        raise ValueError(f"bad month in {m[0]}")
    day = int(m["d"]) if m["d"] else None
    if day is not None and not 1 <= day <= 31:
        raise ValueError(f"bad day in {m[0]}")
    quarterly = len(months) == 4 and sorted((mo - 1) // 3 for mo in months) == [0, 1, 2, 3]
    kind = "quarterly" if quarterly else "yearly"
    return _Hit(recurrence=Recurrence(kind, months, day, min_count=_min_count(m)))


def _every(m: re.Match[str], issued: date) -> _Hit:
    unit, day = m["unit"], m.groupdict().get("d")
    if day is not None and not 1 <= int(day) <= 31:
        raise ValueError(f"bad day in {m[0]}")
    count = _min_count(m)
    if unit in ("天", "日"):
        return _Hit(recurrence=Recurrence("daily", min_count=count))
    if unit in ("周", "星期"):
        wd = m.groupdict().get("wd")
        weekday = None if not wd else (_WEEKDAYS[wd] if wd in _WEEKDAYS else int(wd) - 1)
        return _Hit(recurrence=Recurrence("weekly", weekday=weekday, min_count=count))
    if unit == "月":
        return _Hit(recurrence=Recurrence("monthly", day=int(day) if day else None, min_count=count))
    if unit in ("季度", "个季度"):
        return _Hit(recurrence=Recurrence("quarterly", _QUARTER_ENDS, min_count=count))
    if unit == "半年":
        return _Hit(recurrence=Recurrence("yearly", (6, 12), min_count=count))
    return _Hit(recurrence=Recurrence("yearly", (12,), min_count=count))


# ---------------------------------------------------------------- the grammar, one table
_Y = r"(?:(?P<y>\d{4})年|(?P<rel>今年|本年|当年|明年|次年))?"
_BY = r"(?:前|之前|以前|止)?"
_TO = r"\s*(?:-|~|—|–|至|到)\s*"
_MIN = r"(?:[^\d,，。;；]{0,10}?(?:至少|不少于|不低于)?[^\d,，。;；]{0,4}?(?P<n>\d{1,3})次)?"

_RULE_TABLE: tuple[tuple[str, str, Builder], ...] = (
    # name            pattern                                                            builder
    ("every_months", r"每年(?P<months>\d{1,2}月(?:[、,和及]\d{1,2}月)*)份?(?:(?P<d>\d{1,2})[日号]|底|末)?"
                     + _BY + _MIN, _every_listed_months),
    ("every_day_of", r"每(?P<unit>月)(?:(?P<d>\d{1,2})[日号]|底|末)?" + _BY + _MIN, _every),
    ("every_week",   r"每(?P<unit>周|星期)(?P<wd>[一二三四五六日天1-7](?![\d次]))?" + _BY + _MIN, _every),
    ("every_other",  r"每(?:个)?(?P<unit>季度|半年|年|天|日)(?:底|末)?" + _BY + _MIN, _every),
    ("ongoing",      r"长期坚持|长期有效|常态坚持|常态推进|常态落实|常态化(?:开展|推进|落实|坚持)?"
                     r"|持续推进|持续开展|持续落实|持续坚持|长期|常态|持续", _ongoing),
    ("unspecified",  r"限期(?:整改|完成|落实)?|立行立改|即知即改", _unspecified),
    ("day_range",    _Y + r"(?P<m1>\d{1,2})月(?P<d1>\d{1,2})[日号]?" + _TO
                     + r"(?:(?P<y2>\d{4})年)?(?:(?P<m2>\d{1,2})月)?(?P<d2>\d{1,2})[日号]" + _BY, _day_range),
    ("month_range",  _Y + r"(?P<m1>\d{1,2})(?:月份?)?" + _TO
                     + r"(?:(?P<y2>\d{4})年)?(?P<m2>\d{1,2})月份?(?:底|末)?" + _BY, _month_range),
    ("iso_date",     r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})日?" + _BY, _iso),
    ("ymd",          _Y + r"(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]" + _BY, _ymd),
    ("month_part",   _Y + r"(?P<m>\d{1,2})月份?(?:(?P<part>底|末|上旬|中旬|下旬)|(?![初中]))" + _BY,
                     _month_part),
    ("quarter",      _Y + r"第?(?P<q>[1-4])季度(?:末|底)?" + _BY, _quarter),
    ("half_year",    _Y + r"(?P<h>上|下)半年(?:底|末)?" + _BY, _half),
    ("year_end",     r"(?:(?P<y>\d{4})年度?|(?P<rel>今年|本年|当年|明年|次年)度?|年度?)(?:底|末|内)" + _BY,
                     _year_end),
    ("whole_year",   r"(?:(?P<y>\d{4})年|(?P<rel>今年|本年|当年|明年|次年))度?(?:全年)?(?![\d月底末内前])",
                     _whole_year),
    ("relative",     r"(?P<n>\d{1,3})(?P<unit>个月|天|日|周|个星期|个周|个?工作日)内", _relative),
)


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    build: Builder


@functools.cache
def _rules() -> tuple[_Rule, ...]:
    """The compiled grammar (compiled on first use, not at import)."""
    return tuple(_Rule(n, re.compile(p), b) for n, p, b in _RULE_TABLE)

# ---------------------------------------------------------------- normalisation
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"[〇零一二两三四五六七八九十]+(?=年|月|日|号|季度|个月|次|天|周|个星期|个?工作日)")
_CN_ALLOWED_BEFORE = set("第每年月日号至到前后、,，;；:少于内底度 -~—–") | set("0123456789")
_SEPARATORS = " \t\r\n、,，;；。.:：和及与或()（）"
_DATE_WORDS = re.compile(r"[\d年月日号周旬季]")


def _cn_to_arabic(token: str) -> str | None:
    if "十" not in token:
        return "".join(str(_CN_DIGITS[c]) for c in token)
    tens, _, ones = token.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return str((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)

    def swap(m: re.Match[str]) -> str:
        before = text[m.start() - 1] if m.start() else " "
        if before not in _CN_ALLOWED_BEFORE:
            return m[0]
        return _cn_to_arabic(m[0]) or m[0]

    return _CN_NUMBER.sub(swap, text)


def _find_hits(text: str, issued: date) -> tuple[list[_Hit], list[str]]:
    """Scan left to right; at each step take the earliest, then longest, rule match."""
    hits: list[_Hit] = []
    leftovers: list[str] = []
    pos = 0
    while pos < len(text):
        best: tuple[int, int, int, re.Match[str]] | None = None
        for index, rule in enumerate(_rules()):
            m = rule.pattern.search(text, pos)
            if m and m.end() > m.start():
                key = (m.start(), m.start() - m.end(), index, m)
                if best is None or key[:3] < best[:3]:
                    best = key
        if best is None:
            leftovers.append(text[pos:])
            break
        start, _, index, m = best
        leftovers.append(text[pos:start])
        try:
            hits.append(_rules()[index].build(m, issued))
        except (ValueError, OverflowError):
            hits.append(_Hit(problems=[f"invalid date: {m[0]}"]))
        pos = m.end()
    return hits, [s for piece in leftovers if (s := piece.strip(_SEPARATORS))]


def parse_deadline(text: str, issued: date, checkin: str = "monthly") -> DeadlineSpec:
    """Parse one 完成时限 value; a missing year is the year of `issued`."""
    source = text
    clean = _normalise(text or "").strip()
    if not clean:
        return DeadlineSpec(source=source, needs_review=True, note="no deadline given")
    hits, leftovers = _find_hits(clean, issued)
    problems = [p for h in hits for p in h.problems]
    recurrences = list(dict.fromkeys(h.recurrence for h in hits if h.recurrence))
    dates = tuple(sorted({d for h in hits for d in h.dates}))
    windows = [h.window_start for h in hits if h.window_start]
    ongoing = any(h.ongoing for h in hits)
    if len(recurrences) > 1:
        problems.append("several recurrences; only the first is kept")
    if any(h.unspecified for h in hits) and not (dates or ongoing or recurrences):
        problems.append("限期 without a date")
    if not hits:
        problems.append("not understood")
    suspicious = [s for s in leftovers if _DATE_WORDS.search(s)]
    if suspicious:
        problems.append("date-like text not understood: " + " / ".join(suspicious))
    quiet = [s for s in leftovers if s not in suspicious]
    notes = problems + ([f"ignored: {' / '.join(quiet)}"] if quiet else [])
    if any(h.unspecified for h in hits) and "限期 without a date" not in problems:
        notes.append("限期整改: limit not stated")
    recurrence = recurrences[0] if recurrences else None
    return DeadlineSpec(
        source=source,
        due_dates=dates,
        window_start=min(windows) if windows else None,
        ongoing=ongoing,
        checkin=(recurrence.kind if recurrence else checkin) if ongoing else None,
        recurrence=recurrence,
        needs_review=bool(problems),
        note="; ".join(notes),
    )


def _checkin_recurrence(spec: DeadlineSpec) -> Recurrence | None:
    if spec.recurrence:
        return spec.recurrence
    if not spec.ongoing:
        return None
    if spec.checkin == "quarterly":
        return Recurrence("quarterly", _QUARTER_ENDS)
    if spec.checkin == "weekly":
        return Recurrence("weekly")
    return Recurrence("monthly")


def occurrences(spec: DeadlineSpec, start: date, end: date) -> list[date]:
    """Every due date, recurrence date and check-in date in [start, end], sorted."""
    found = {d for d in spec.due_dates if start <= d <= end}
    rec = _checkin_recurrence(spec)
    if rec is not None:
        found.update(_period_ends(rec, start, end))
    return sorted(found)


def next_due(spec: DeadlineSpec, after: date) -> date | None:
    """The first due or check-in date on or after `after` (None when nothing is left)."""
    candidates = [d for d in spec.due_dates if d >= after]
    rec = _checkin_recurrence(spec)
    if rec is not None:
        horizon = add_months(after, 13) if after.year < 9998 else date.max
        candidates.extend(_period_ends(rec, after, horizon)[:1])
    return min(candidates) if candidates else None
