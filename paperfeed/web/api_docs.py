"""The API's description as the server really answers: the OpenAPI document (errors as
`{"error", "status"}` with their real statuses, never FastAPI's 422; API tokens and the session
cookie as security schemes; parameter bounds), and the Swagger UI page that shows it, served
from the package (static/swagger-ui, see its PROVENANCE.txt) under the site's CSP."""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from paperfeed.web.guard import MAX_BODY
from paperfeed.web.session import COOKIE

OPENAPI_URL = "/api/v1/openapi.json"
DOCS_URL = "/api/v1/docs"


class ApiError(BaseModel):
    """Every error the API answers."""

    error: str = Field(description="What went wrong and what to do, for a person.")
    status: int = Field(description="The HTTP status, repeated.")


ERRORS: dict[int, str] = {
    400: "Bad request: a parameter or the body is invalid; the message says which and why.",
    401: "Sign-in required: send `Authorization: Bearer <API token>` (made on /settings).",
    403: "Not allowed for this user (someone else's comment, a curator's action).",
    404: "Not found: nothing has this id or key, or no operation has this path.",
    409: "Conflict with what is there already (an author position someone else claims).",
    413: f"The request body is over {MAX_BODY:,} bytes.",
    415: "Form bodies are application/x-www-form-urlencoded or JSON, not multipart.",
    429: "Too many requests of this kind; `Retry-After` says how many seconds to wait.",
    502: "arXiv did not answer or answered with an error; try again later.",
    503: "The database is unavailable.",
}

SECURITY_SCHEMES: dict[str, dict[str, str]] = {
    "apiToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token, made on /settings: `Authorization: Bearer <token>`.",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": COOKIE,
        "description": "The session cookie of a browser signed in to the site.",
    },
    "csrfToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": "With the session cookie, writes carry the session's CSRF token.",
    },
}


# An operation's `openapi_extra` when it needs a signed-in user: an API token, or the session
# cookie (with its CSRF token on writes). `openapi_document` then lists its 401.
SIGNED_IN_WRITE: dict[str, Any] = {
    "security": [{"apiToken": []}, {"sessionCookie": [], "csrfToken": []}]
}
SIGNED_IN_READ: dict[str, Any] = {"security": [{"apiToken": []}, {"sessionCookie": []}]}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """FastAPI `responses` for the error statuses a route answers beyond those every operation
    gets from `openapi_document` (400 and 503; 404 with path parameters; 413 and 415 with a
    body; 401 with security)."""
    return {status: _error_response(status) for status in statuses}


def _error_response(status: int, page: bool = False) -> dict[str, Any]:
    """An error as the API answers it; with `page`, also as the HTML error page that paths
    outside /api/ answer unless the request accepts only JSON."""
    content: dict[str, Any] = {
        "application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}
    }
    if page:
        content["text/html"] = {"schema": {"type": "string"}}
    response: dict[str, Any] = {"description": ERRORS[status], "content": content}
    if status == 429:
        response["headers"] = {
            "Retry-After": {
                "description": "Seconds until the limit allows another request.",
                "schema": {"type": "integer"},
            }
        }
    return response


def _shared_errors(operation: dict[str, Any]) -> list[int]:
    """The errors an operation can answer by its shape: any request can be refused (guard.py,
    parameter bounds) or meet a database that is down; a path parameter can name nothing; a
    body can be too large or multipart; a signed-in operation can lack its credentials."""
    statuses = [400, 503]
    if any(p.get("in") == "path" for p in operation.get("parameters", ())):
        statuses.append(404)
    if "requestBody" in operation:
        statuses += [413, 415]
    if operation.get("security"):
        statuses.append(401)
    return statuses


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document for `app`, corrected to what the server answers: FastAPI's 422 and
    its validation-error schemas go (a bad request is a 400 `ApiError`), and every operation
    lists the errors it shares with the others of its shape."""
    if app.openapi_schema:
        return app.openapi_schema
    spec = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["ApiError"] = ApiError.model_json_schema()
    components["securitySchemes"] = SECURITY_SCHEMES
    for path, path_item in spec["paths"].items():
        for operation in path_item.values():
            responses = operation["responses"]
            responses.pop("422", None)
            for status in _shared_errors(operation):
                page = not path.startswith("/api/")
                responses.setdefault(str(status), _error_response(status, page))
    app.openapi_schema = spec
    return spec


router = APIRouter(include_in_schema=False)


@router.get(DOCS_URL)
def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI, from the package: no other host, no inline script or style."""
    title = escape(f"{request.app.title} API")
    return HTMLResponse(
        f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi="{OPENAPI_URL}"></div>
<script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"""
    )
