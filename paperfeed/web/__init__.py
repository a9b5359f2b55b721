"""The web site and its APIs: FastAPI + Jinja2 (+ htmx), on top of the store and search."""

from paperfeed.web.app import create_app

__all__ = ["create_app"]
