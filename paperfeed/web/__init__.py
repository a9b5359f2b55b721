"""The web site and its APIs: FastAPI + Jinja2 (+ htmx), on top of the store and search.

`paperfeed.web.app.create_app` builds the application; `paperfeed.web.server` runs it. Nothing
is imported here, so that importing a module below does not load FastAPI.
"""
