"""The command line: typer and rich live only in this package."""

from .app import app, main

__all__ = ["app", "main"]
