"""The command line, beside the page (``web``): both on top of ``qa.Assistant``."""

from .main import main, parser

__all__ = ["main", "parser"]
