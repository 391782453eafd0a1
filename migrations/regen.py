"""Write the next numbered migration: the models' difference from the schema at head.

`make migration MESSAGE="what changed"` (or `python migrations/regen.py "what changed"`).
Migrations are never rewritten once written: a deployed database upgrades through each.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory

HERE = Path(__file__).resolve().parent


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = AlembicConfig(str(HERE.parent / "alembic.ini"))
        cfg.set_main_option("sqlalchemy.url", f"sqlite:///{tmp}/regen.sqlite3")
        head = ScriptDirectory.from_config(cfg).get_current_head()
        command.upgrade(cfg, "head")
        rev_id = f"{int(head or 0) + 1:04d}"
        script = command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id,
                                  version_path=str(HERE / "versions"))
    assert script is not None and not isinstance(script, list)
    print(f"wrote {Path(script.path).relative_to(HERE.parent)}", file=sys.stderr)


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or "schema change")
