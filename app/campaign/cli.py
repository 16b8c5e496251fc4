"""``flask --app wsgi statement …``."""

import click


@click.group()
def statement() -> None:
    """Manage the pinned campaign statement."""
