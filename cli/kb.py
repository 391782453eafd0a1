"""`flask kb ...`: classify from the command line, list unanswered questions."""
from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from domain.sorting.export import classification_to_json
from models import KbMiss
from runtime import from_app

kb_cli = AppGroup("kb", help="The sorting knowledge base.")


@kb_cli.command("classify")
@click.option("--city", default=None, help="City profile (default: CITY_PROFILE).")
@click.argument("queries", nargs=-1)
def classify(city: str | None, queries: tuple[str, ...]) -> None:
    """Print one JSON object per query (queries from stdin, one per line, when none given)."""
    rt = from_app(current_app)
    city = city or rt.config.CITY_PROFILE
    with rt.sessions.begin() as session:
        matcher = rt.kb.matcher(session)
    if city not in matcher.kb.profiles:
        raise click.UsageError(f"unknown city {city!r}; known: {', '.join(matcher.kb.profiles)}")
    source = queries or (line.rstrip("\n") for line in sys.stdin)
    for query in source:
        if not query.strip():
            continue
        out = classification_to_json(matcher.classify(query, city))
        click.echo(json.dumps(out, ensure_ascii=False))


@kb_cli.command("misses")
@click.option("--limit", default=50, show_default=True)
def misses(limit: int) -> None:
    """Questions the bot could not answer, most asked first."""
    rt = from_app(current_app)
    with rt.sessions.begin() as session:
        rows = session.scalars(select(KbMiss).where(KbMiss.resolved.is_(False))
                               .order_by(KbMiss.count.desc(), KbMiss.query).limit(limit)).all()
        for row in rows:
            click.echo(f"{row.count}\t{row.status}\t{row.query}")

