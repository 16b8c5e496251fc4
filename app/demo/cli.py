"""``flask --app wsgi demo seed``."""

import click


@click.group()
def demo() -> None:
    """Demo data."""
