"""The command line (`flask --app wsgi NOUN VERB`): one module per noun, all listed here.

`wsgi.py` passes COMMANDS to `bot.app.create_app`, which registers them; nothing is found by
name or import side effect. This package sits at the edge beside `bot`: it may import every
layer below it (the demo loader reaches into dashboard and scheduler), and nothing imports it
except wsgi.py and the tests.
"""
from __future__ import annotations

import click

from cli.apikeys import apikeys_cli
from cli.cadres import cadres_cli
from cli.calendar import calendar_cli
from cli.cases import cases_cli
from cli.chat import chat
from cli.db import db_cli
from cli.demo import demo_cli
from cli.kb import kb_cli
from cli.outbox import outbox_cli
from cli.photos import photos_cli
from cli.plan import plan_cli
from cli.reminders import reminders_cli
from cli.scheduler import scheduler_cli
from cli.units import units_cli
from cli.users import users_cli
from reports.cli import report_cli

COMMANDS: list[click.Command] = [
    db_cli, demo_cli, chat,  # set up and try it
    units_cli, cadres_cli, plan_cli, cases_cli, calendar_cli, photos_cli,  # the office's data
    kb_cli, users_cli, apikeys_cli, report_cli,
    scheduler_cli, reminders_cli, outbox_cli,  # the background work, by hand
]
