"""A minimal admin page: curators feature or hide papers, admins verify authors' claims,
change roles and watch the scheduled jobs (/admin/jobs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from paperfeed.arxiv_id import parse_reference
from paperfeed.errors import Invalid, NotFound
from paperfeed.feed.claims import placed
from paperfeed.jobs.runner import statuses
from paperfeed.web.deps import (
    AdminDep,
    Csrf,
    CuratorDep,
    NowDep,
    SettingsDep,
    StoreDep,
    unit_of_work,
)
from paperfeed.web.guard import RowId
from paperfeed.web.jobs import site_jobs
from paperfeed.web.page import render

router = APIRouter(include_in_schema=False)


@router.get("/admin")
def admin_page(request: Request, user: CuratorDep, store: StoreDep, now: NowDep) -> Response:
    hidden = sorted(store.moderation.hidden_ids())
    # Claims on hidden papers wait, as the papers do, until they are shown again.
    hidden_set = set(hidden)
    pending = store.claims.pending() if user.is_admin else []
    claims = placed(store, [c for c in pending if c.arxiv_id not in hidden_set])
    return render(
        request,
        "admin.html",
        {
            "hidden": store.papers.get_many(hidden),
            "users": store.accounts.all() if user.is_admin else [],
            "today": now.date(),
            "claims": claims,
            "claimed_papers": store.papers.get_many([c.arxiv_id for c in claims]),
        },
    )


@router.post("/admin/papers/hide", dependencies=[Csrf])
def hide_paper(
    request: Request,
    user: CuratorDep,
    store: StoreDep,
    reference: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    arxiv_id, _ = parse_reference(reference)
    with unit_of_work(request):
        store.moderation.hide(arxiv_id, user.id, reason.strip()[:500])
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/papers/unhide", dependencies=[Csrf])
def unhide_paper(
    request: Request, user: CuratorDep, store: StoreDep, reference: Annotated[str, Form()] = ""
) -> Response:
    arxiv_id, _ = parse_reference(reference)
    with unit_of_work(request):
        store.moderation.unhide(arxiv_id)
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/papers/feature", dependencies=[Csrf])
def feature_paper(
    request: Request,
    user: CuratorDep,
    store: StoreDep,
    now: NowDep,
    reference: Annotated[str, Form()] = "",
) -> Response:
    arxiv_id, _ = parse_reference(reference)
    with unit_of_work(request):
        store.moderation.feature(arxiv_id, now.date(), user.name)
    return RedirectResponse(f"/papers/date/{now.date().isoformat()}", status_code=303)


@router.post("/admin/users/{user_id}/role", dependencies=[Csrf])
def set_role(
    request: Request,
    user: AdminDep,
    store: StoreDep,
    user_id: RowId,
    role: Annotated[str, Form()] = "member",
) -> Response:
    with unit_of_work(request):
        store.accounts.set_role(user_id, role)
    return RedirectResponse("/admin", status_code=303)


@router.get("/admin/jobs")
def jobs_page(
    request: Request,
    user: AdminDep,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    requested: str = "",
) -> Response:
    jobs = statuses(store, site_jobs(settings), now)
    return render(
        request,
        "admin_jobs.html",
        {
            "jobs": jobs,
            "now": now,
            "runs_here": settings.jobs == "on",
            "requested": requested if requested in {j.name for j in jobs} else None,
        },
    )


@router.post("/admin/jobs/{name}/run", dependencies=[Csrf])
def run_job_now(
    request: Request,
    user: AdminDep,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    name: str,
) -> Response:
    """Make the job due at once: the next node running jobs to look runs it (a run can take
    long; the request does not wait for it)."""
    job = next((j for j in site_jobs(settings) if j.name == name), None)
    if job is None:
        raise NotFound(f"there is no job {name!r}")
    if not job.enabled:
        raise Invalid(f"{name} is disabled: {job.reason}")
    if job.per_node:
        raise Invalid(f"{name} runs on every node by itself, every few seconds")
    with unit_of_work(request):
        store.jobs.request(name, now)
    return RedirectResponse(f"/admin/jobs?requested={name}", status_code=303)
