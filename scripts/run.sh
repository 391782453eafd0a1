#!/usr/bin/env bash
# Serve the bot and run the scheduler beside it (development). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
FLASK=".venv/bin/flask --app wsgi"
PORT="${PORT:-5000}"
$FLASK scheduler run &
SCHED=$!
trap 'kill $SCHED 2>/dev/null; wait $SCHED 2>/dev/null' EXIT INT TERM
cat <<MSG

  The bot is at http://127.0.0.1:$PORT/wechat, the dashboard at http://127.0.0.1:$PORT/dashboard/
  (sign in as admin / admin123 — demo data; you will be asked for a new password). In another terminal, chat with it:

    .venv/bin/flask --app wsgi chat --as resident-demo --url http://127.0.0.1:$PORT   # as a resident
    .venv/bin/flask --app wsgi chat --as cadre-demo --url http://127.0.0.1:$PORT      # a bound cadre

  Type /help in the chat for photos, locations and menu clicks.

MSG
.venv/bin/gunicorn --bind "127.0.0.1:$PORT" -c deploy/gunicorn.conf.py --access-logfile - wsgi:app
