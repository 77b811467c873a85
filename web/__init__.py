"""The chat page (Gradio), apart from the library: ``layout`` places the components,
``events`` wires what they do, ``render`` turns answers into Markdown and HTML (templates in
``templates/``, CSS and JS in ``assets/``), ``page`` puts them together over an
``Assistant`` and ``serve`` launches it."""

import qa  # noqa: F401 (first: importing the library sets the offline environment)

from .page import create_demo
from .serve import seed, serve
from .settings import PageSettings

__all__ = ["PageSettings", "create_demo", "seed", "serve"]
