"""The bulletin's chart as a PNG, drawn with matplotlib and a CJK font from the disk.

No font is downloaded: scripts/install-browser.sh installs Debian's fonts-wqy-microhei. Without
any CJK font the chart is still drawn (DejaVu Sans), its Chinese labels then as boxes.
"""
from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402

log = logging.getLogger(__name__)
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
)


def cjk_font(candidates: tuple[str, ...] = CJK_FONTS) -> FontProperties:
    """The first CJK font on disk, else DejaVu Sans (and a log line saying so)."""
    for path in candidates:
        if Path(path).is_file():
            return FontProperties(fname=path)
    log.warning("no CJK font found (install fonts-wqy-microhei); chart labels may show boxes")
    return FontProperties(family="DejaVu Sans")


def bar_chart(title: str, counts: dict[str, int], font: FontProperties | None = None) -> bytes:
    """Horizontal bars, largest on top, as PNG bytes."""
    font = font or cjk_font()
    labels = list(counts)[::-1] or ["（无）"]
    values = list(counts.values())[::-1] or [0]
    fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(labels) + 1.2), dpi=150)
    # Without a CJK font matplotlib warns once per missing glyph; cjk_font() logged why.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            return _draw(fig, ax, title, labels, values, font)
        finally:
            plt.close(fig)


def _draw(fig: Figure, ax: Axes, title: str, labels: list[str], values: list[int],
          font: FontProperties) -> bytes:
    ax.barh(range(len(labels)), values, color="#2f7d4f")
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontproperties=font)
    ax.set_title(title, fontproperties=font)
    ax.xaxis.get_major_locator().set_params(integer=True)
    for y, v in enumerate(values):
        ax.text(v, y, f" {v}", va="center", fontproperties=font)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
