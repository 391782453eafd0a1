"""China's statutory public holidays computed by rule, for years without an official notice.

The rules of the 国务院《全国年节及纪念日放假办法》 as amended in 2024 (in force since 2025):
元旦 1 day, 春节 the eve and the first three days, 清明 1 day (the solar term), 劳动节
1-2 May, 端午 1 day (5th of the 5th lunar month), 中秋 1 day (15th of the 8th lunar month),
国庆 1-3 October. No 调休 and no substitute days are guessed: those come only with the
State Council's yearly notice. Lunar dates and 清明 come from the `holidays` package.
"""
from __future__ import annotations

from datetime import date, timedelta

# The package's lunisolar tables (1901-2099) are what its China calendar is built on; the
# pinned version is checked against chinese_calendar's official years in the tests.
from holidays.calendars.chinese import _ChineseLunisolar

_LUNAR = _ChineseLunisolar()
FIRST_YEAR, LAST_YEAR = 1901, 2099


def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory holiday days of `year` with their Chinese names (empty outside 1901-2099)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return {}
    new_year, _ = _LUNAR.lunar_new_year_date(year)
    dragon_boat, _ = _LUNAR.dragon_boat_date(year)
    mid_autumn, _ = _LUNAR.mid_autumn_date(year)
    qingming, _ = _LUNAR.qingming_date(year)
    assert new_year is not None and dragon_boat is not None and mid_autumn is not None
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    for offset in range(-1, 3):  # 除夕 to 初三
        days[new_year + timedelta(days=offset)] = "春节"
    days[qingming] = "清明节"
    days[date(year, 5, 1)] = days[date(year, 5, 2)] = "劳动节"
    days[dragon_boat] = "端午节"
    for day in (1, 2, 3):
        days[date(year, 10, day)] = "国庆节"
    # 中秋 can fall on 1-3 October (2028: 3 Oct); the day is one holiday with both names.
    days[mid_autumn] = "中秋节、国庆节" if mid_autumn in days else "中秋节"
    return dict(sorted(days.items()))
