"""An office calendar notice (春节 2027) and entering it through `flask calendar import`."""
from __future__ import annotations

from pathlib import Path
from typing import Any

NOTICE = ("date,workday,name\n" + "".join(f"2027-02-{d:02d},0,春节\n" for d in range(5, 12))
          + "2027-02-13,1,春节调休上班\n2027-02-14,1,春节调休上班\n")


def enter(app: Any, tmp_path: Path, text: str = NOTICE, name: str = "notice.csv") -> Any:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["calendar", "import", str(path), "--by", "张三"])
