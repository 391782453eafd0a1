"""Regenerate the single initial migration from the models (pre-release schema only)."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

HERE = Path(__file__).resolve().parent


def main() -> None:
    target = HERE / "versions" / "0001_initial.py"
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = AlembicConfig(str(HERE.parent / "alembic.ini"))
        cfg.set_main_option("sqlalchemy.url", f"sqlite:///{tmp}/regen.sqlite3")
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001",
                         version_path=str(HERE / "versions"))
    generated = next((HERE / "versions").glob("0001_*.py"))
    generated.rename(target)
    print(f"wrote {target.relative_to(HERE.parent)}", file=sys.stderr)


if __name__ == "__main__":
    main()
