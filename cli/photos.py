"""`flask photos migrate-to-s3 [--dry-run]`: move MEDIA_DIR's photos into the bucket."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from outbound.photostore import LocalPhotoStore, StoreUnavailable, copy_local_photos
from runtime import from_app

photos_cli = AppGroup("photos", help="Case photos and their store (MEDIA_STORE).")


@photos_cli.command("migrate-to-s3")
@click.option("--dry-run", is_flag=True, help="Only count what would be copied.")
def migrate_to_s3(dry_run: bool) -> None:
    """Copy every stored photo from MEDIA_DIR into S3_BUCKET under the same key (idempotent)."""
    runtime = from_app(current_app)
    if runtime.config.MEDIA_STORE != "s3":
        raise click.ClickException("set MEDIA_STORE=s3 and S3_BUCKET (and S3_ENDPOINT_URL) first")
    source = LocalPhotoStore(runtime.config.media_dir)
    try:
        counts = copy_local_photos(runtime.sessions, source, runtime.photos, dry_run=dry_run)
    except StoreUnavailable as exc:
        raise click.ClickException(f"bucket unavailable: {exc} (run again: it is idempotent)")
    click.echo(", ".join(f"{name}: {n}" for name, n in counts.items()))
    if counts["missing"]:
        click.echo(f"{counts['missing']} photo file(s) referenced by cases are not in "
                   f"{runtime.config.media_dir}", err=True)


commands = [photos_cli]
