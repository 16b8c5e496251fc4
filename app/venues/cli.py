"""``flask --app wsgi venues import``."""

import click


@click.group()
def venues() -> None:
    """Manage venues."""
