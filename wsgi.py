"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""
from bot.app import create_app
from cli import COMMANDS

app = create_app(commands=COMMANDS)
