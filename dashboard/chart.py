"""The weekly trend as stacked bars, laid out for an inline SVG (no chart library)."""
from __future__ import annotations

from dataclasses import dataclass

PALETTE = ("#146c43", "#0d6efd", "#fd7e14", "#6f42c1", "#d63384", "#20c997", "#6c757d")
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 240, 32, 28, 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, str]]
    ticks: list[tuple[float, int]]
    legend: list[tuple[str, str]]


def stacked_bars(weeks: list[str], trend: dict[str, list[int]]) -> Chart:
    """Coordinates for one stacked bar per week, one colour per problem type."""
    totals = [sum(series[i] for series in trend.values()) for i in range(len(weeks))]
    top = max(totals + [1])
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(weeks), 1)
    colours = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(trend)}
    bars: list[Bar] = []
    for i, week in enumerate(weeks):
        base = HEIGHT - BOTTOM
        for kind, series in trend.items():
            h = series[i] / top * plot_h
            if series[i]:
                base -= h
                bars.append(Bar(LEFT + i * slot + slot * 0.15, base, slot * 0.7, h,
                                colours[kind], f"{week} {kind}：{series[i]}"))
    labels = [(LEFT + i * slot + slot / 2, w) for i, w in enumerate(weeks)]
    ticks = [(HEIGHT - BOTTOM - v / top * plot_h, v) for v in sorted({0, top // 2, top})]
    return Chart(WIDTH, HEIGHT, bars, labels, ticks, list(colours.items()))
