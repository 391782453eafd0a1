#!/usr/bin/env bash
# Exit 0 when the PostgreSQL server in the SQLAlchemy URL $1 accepts a connection.
url="${1/+psycopg/}"
.venv/bin/python - "$url" <<'PY' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
