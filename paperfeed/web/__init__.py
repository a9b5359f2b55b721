"""The web site and its APIs: FastAPI + Jinja2 (+ htmx), on top of the store and search.

`paperfeed.web.app.create_app` builds the application. Nothing is imported here, so that the
CLI can use `paperfeed.web.mail` without loading FastAPI.
"""
