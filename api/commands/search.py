"""CLI commands of this area (registered on `parley` by `api/cli.py`)."""

import click

commands: list[click.Command] = []
