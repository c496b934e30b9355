"""CLI command groups by area; `api/cli.py` registers every module's `commands`."""
