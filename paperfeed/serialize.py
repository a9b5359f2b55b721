"""JSON shapes, one per thing: paperfeed's native ones (shared by the API and `--json` in the
CLI), and Hugging Face's (`/api/daily_papers`), so HF clients work unchanged."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import Any
from urllib.parse import quote

from paperfeed.authors import author_from_parts, place_claims
from paperfeed.models import (
    AuthorClaim,
    Collection,
    Comment,
    Follow,
    HfFields,
    IndexReport,
    JobStatus,
    ListedPaper,
    Paper,
    PaperNote,
    SearchResults,
    Stats,
    StoredRecommendation,
    Subscription,
    Why,
)


def _iso(value: datetime | None) -> str | None:
    if not value:
        return None
    if value.tzinfo is not None:  # equal across time zones: they must not share an entry
        return value.isoformat(timespec="milliseconds") + "Z"
    return _iso_utc(value)


@functools.lru_cache(maxsize=16_384)
def _iso_utc(value: datetime) -> str:
    """Kept by value: an API listing asks for the same papers' few hundred dates on every
    request, and `isoformat` costs 0.7 µs where a lookup costs 0.06 (it was an eighth of
    `/api/daily_papers`)."""
    return value.isoformat(timespec="milliseconds") + "Z"


def paper_json(paper: Paper) -> dict[str, Any]:
    return {
        "id": paper.arxiv_id,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": [
            {"name": a.name, "affiliations": list(a.affiliations)} for a in paper.authors or ()
        ],
        "categories": list(paper.categories or ()),
        "published": _iso(paper.published),
        "updated": _iso(paper.updated),
        "version": paper.version,
        "versions": [
            {"number": v.number, "submitted": _iso(v.submitted), "size": v.size}
            for v in paper.versions
        ],
        "comments": paper.comments,
        "journal_ref": paper.journal_ref,
        "doi": paper.doi,
        "license": paper.license,
        "abs_url": paper.abs_url,
        "pdf_url": paper.pdf_url,
        "code_url": paper.code_url,
        "project_url": paper.project_url,
    }


def listed_json(item: ListedPaper) -> dict[str, Any]:
    return {
        "paper": paper_json(item.paper),
        "upvotes": item.upvotes,
        "num_comments": item.num_comments,
        "featured_on": item.day.isoformat() if item.day else None,
        "submitted_by": item.submitted_by,
        "source": item.source,
        # arXiv's announce type that day (new, cross, replace, replace-cross), None for a
        # community pick arXiv did not announce that day
        "announced_as": item.kind,
    }


def why_json(why: Why, *, digits: int | None = None) -> dict[str, Any]:
    """Why a search hit matched; `digits` rounds the similarity."""
    similarity = why.similarity
    if similarity is not None and digits is not None:
        similarity = round(similarity, digits)
    return {
        "terms": list(why.terms),
        "keyword_rank": why.keyword_rank,
        "semantic_rank": why.semantic_rank,
        "similarity": similarity,
        "pinned": why.pinned,
    }


def search_results_json(results: SearchResults) -> dict[str, Any]:
    """A page of search hits as `paperfeed search --json` prints it."""
    return {
        "query": results.query,
        "mode": results.mode,
        "total": results.total,
        "notice": results.notice,
        "hits": [
            {
                "id": h.paper.arxiv_id,
                "title": h.paper.title,
                "authors": [a.name for a in h.paper.authors or ()],
                "published": h.paper.published.isoformat() if h.paper.published else None,
                "categories": list(h.paper.categories or ()),
                "score": round(h.score, 6),
                "why": why_json(h.why, digits=4),
            }
            for h in results.hits
        ],
    }


def stats_json(s: Stats) -> dict[str, Any]:
    return {
        "papers": s.papers,
        "versions": s.versions,
        "daily_entries": s.daily_entries,
        "votes": s.votes,
        "announcements": s.announcements,
        "deleted": s.deleted,
        "first_published": s.first_published.date().isoformat() if s.first_published else None,
        "last_published": s.last_published.date().isoformat() if s.last_published else None,
        "first_daily": s.first_daily.isoformat() if s.first_daily else None,
        "last_daily": s.last_daily.isoformat() if s.last_daily else None,
    }


def subscription_json(s: Subscription) -> dict[str, Any]:
    c = s.content
    return {
        "email": s.email,
        "status": s.status,
        "period": c.period,
        "hour": c.send_hour,
        "top": c.top_n,
        "min_upvotes": c.min_upvotes,
        "queries": list(c.queries),
        "categories": list(c.categories),
        "authors": list(c.authors),
        "paused_reason": s.paused_reason,
    }


def claim_json(claim: AuthorClaim) -> dict[str, Any]:
    """A claim to be an author of a paper, placed on its current authors (`place_claims`):
    `position` counts them from 0, and is null when the author is no longer among them
    (`stale`)."""
    return {
        "paper_id": claim.arxiv_id,
        "position": None if claim.stale else claim.position,
        "author": claim.author_name,
        "stale": claim.stale,
        "member": claim.user_name,
        "status": claim.status,
        "created_at": _iso(claim.created_at),
        "decided_at": _iso(claim.decided_at),
    }


def comment_json(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "paper_id": comment.arxiv_id,
        "author": comment.author,
        "parent_id": comment.parent_id,
        "body": comment.body,
        "created_at": _iso(comment.created_at),
        "edited_at": _iso(comment.edited_at),
        "deleted": comment.deleted,
    }


# The fields of HF's item and paper objects paperfeed says itself (counts, what other sources
# may have corrected, the day it lists a paper on); every other field stored from HF
# (`HfFields`) is given back as HF gave it. Where none is stored, HF's own ids (`_id`,
# `discussionId`: MongoDB object ids) are left out rather than made up, as HF leaves out
# `mediaUrls` of a paper without media; `thumbnail` is the site's own.
_OWN_ITEM = frozenset({"paper", "title", "summary", "numComments", "submittedBy"})
# `githubRepo` and `projectPage` are the paper's own links: HF's unless a member set them
# (store/papers.py keeps those), so one a member cleared is not brought back from HF's fields.
_OWN_PAPER = frozenset(
    {
        "id",
        "authors",
        "githubRepo",
        "projectPage",
        "publishedAt",
        "title",
        "summary",
        "upvotes",
        "submittedOnDailyAt",
        "submittedOnDailyBy",
    }
)


def _stored(hf: HfFields | None, part: str) -> dict[str, Any]:
    value = hf.fields.get(part) if hf is not None else None
    return value if isinstance(value, dict) else {}


def _hf_authors(
    p: Paper, stored: object, claims: Sequence[AuthorClaim] = ()
) -> list[dict[str, Any]]:
    """Our authors, each with what HF said of them (its `_id`, account and claim status):
    HF's author in the same place when the names agree (two authors may share a name), else
    the first of that name; an author HF did not list has no `_id`. An author a member
    claimed here, and an admin verified (`claims`, as stored: placed here on the current
    authors, so a claim follows its author through a later version), is that member, as HF
    shows its own."""
    claimed = {c.position: c for c in place_claims(p.authors, claims) if c.verified}
    shown = [
        (author_from_parts(a["name"]).name, a)
        for a in (stored if isinstance(stored, list) else ())
        if isinstance(a, dict) and isinstance(a.get("name"), str) and not a.get("hidden")
    ]
    by_name: dict[str, dict[str, Any]] = {}
    for name, a in shown:
        by_name.setdefault(name, a)
    out = []
    for i, author in enumerate(p.authors or ()):
        same_place = shown[i] if i < len(shown) and shown[i][0] == author.name else None
        given = same_place[1] if same_place else by_name.get(author.name, {})
        if i in claimed:
            out.append(_hf_claimed(given, author.name, claimed[i]))
        else:
            out.append({**given, "name": author.name, "hidden": False})
    return out


def _hf_claimed(given: dict[str, Any], name: str, claim: AuthorClaim) -> dict[str, Any]:
    """An author with a verified claim, in HF's order: HF's `_id` if it had one, the member
    as HF shapes a user (no `_id`: HF's are MongoDB ids, not made up here; the avatar the
    site draws of their name, relative like HF's), the status ("admin_assigned" for one an
    admin made) and when it last changed."""
    out = {"_id": given["_id"]} if "_id" in given else {}
    return {
        **out,
        "user": {
            "avatarUrl": avatar_url(claim.user_name),
            "isPro": False,
            "fullname": claim.user_name,
            "user": claim.user_name,
            "type": "user",
            "name": claim.user_name,
        },
        "name": name,
        "status": "admin_assigned" if claim.status == "assigned" else "claimed_verified",
        "statusLastChangedAt": _iso(claim.decided_at or claim.created_at),
        "hidden": False,
    }


def _hf_submitter(item: ListedPaper, stored: object) -> dict[str, Any] | None:
    """HF's profile of the submitter where it is the one we list, else one made up."""
    if not item.submitted_by:
        return None
    if isinstance(stored, dict) and stored.get("name") == item.submitted_by:
        return stored
    return _hf_user(item)


def hf_paper(
    item: ListedPaper, hf: HfFields | None = None, claims: Sequence[AuthorClaim] = ()
) -> dict[str, Any]:
    """The `paper` object of Hugging Face's API, with the fields stored from HF (`hf`) and
    the authors members claimed (`claims`, the verified ones shown)."""
    p = item.paper
    stored = _stored(hf, "paper")
    out: dict[str, Any] = {
        "id": p.arxiv_id,
        "authors": _hf_authors(p, stored.get("authors"), claims),
        "publishedAt": _iso(p.published),
        "title": p.title,
        "summary": p.abstract or "",
        "upvotes": item.upvotes,
    }
    out.update((k, v) for k, v in stored.items() if k not in _OWN_PAPER)
    if p.code_url:
        out["githubRepo"] = p.code_url
    if p.project_url:
        out["projectPage"] = p.project_url
    featured = _iso(_featured_at(item)) or stored.get("submittedOnDailyAt")
    if featured:
        out["submittedOnDailyAt"] = featured
    submitter = _hf_submitter(item, stored.get("submittedOnDailyBy"))
    if submitter is not None:
        out["submittedOnDailyBy"] = submitter
    return out


def avatar_url(name: str) -> str:
    """Where a member's avatar is drawn (web/routes/avatars.py): relative, as HF gives its
    default avatars."""
    return f"/avatars/{quote(name, safe='')}.svg"


def _hf_user(item: ListedPaper) -> dict[str, Any]:
    return {
        "avatarUrl": avatar_url(item.submitted_by or ""),
        "fullname": item.submitted_by_name or item.submitted_by,
        "name": item.submitted_by,
        "user": item.submitted_by,
        "type": "user",
        "isPro": False,
    }


def _featured_at(item: ListedPaper) -> datetime | None:
    if item.submitted_at:
        return item.submitted_at
    return datetime.combine(item.day, time()) if isinstance(item.day, date) else None


def hf_daily_item(
    item: ListedPaper,
    hf: HfFields | None = None,
    thumbnail: str = "",
    claims: Sequence[AuthorClaim] = (),
    participating: bool = False,
) -> dict[str, Any]:
    """One element of Hugging Face's `/api/daily_papers` list, with the fields stored from HF
    (`hf`); `numComments` counts HF's comments and ours; `thumbnail` is the site's own image
    of the paper, for one HF gave none; `claims` its claimed authors; `participating` whether
    a verified author commented here (HF's `isAuthorParticipating`, else HF's own value)."""
    stored = _stored(hf, "item")
    out: dict[str, Any] = {
        "paper": hf_paper(item, hf, claims),
        "publishedAt": _iso(_featured_at(item)),
        "title": item.paper.title,
        "summary": item.paper.abstract or "",
        "thumbnail": thumbnail,
        "numComments": item.num_comments + (hf.num_comments if hf is not None else 0),
        "isAuthorParticipating": False,
    }
    out.update((k, v) for k, v in stored.items() if k not in _OWN_ITEM)
    if participating:
        out["isAuthorParticipating"] = True
    submitter = _hf_submitter(item, stored.get("submittedBy"))
    if submitter is not None:
        out["submittedBy"] = submitter
    return out


def index_report_json(report: IndexReport) -> dict[str, Any]:
    """`paperfeed index --json`: `indexed` counts the papers this run (re)indexed."""
    return {
        "indexed": report.keyword_updated,
        "keyword_total": report.keyword_total,
        "embedded": report.embedded,
        "vectors_reused": report.vectors_reused,
        "vectors_total": report.vectors_total,
        "semantic": report.semantic or "on",
    }


def job_status_json(status: JobStatus) -> dict[str, Any]:
    """A job as `paperfeed jobs --json` lists it (times in UTC, ISO 8601)."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() + "Z" if value else None

    return {
        "name": status.name,
        "description": status.description,
        "schedule": status.schedule,
        "enabled": status.enabled,
        "reason": status.reason,
        "per_node": status.per_node,
        "next_run": iso(status.next_run),
        "last_run": iso(status.last_run),
        "last_finished": iso(status.last_finished),
        "last_result": status.last_result,
        "last_message": status.last_message,
        "failures": status.failures,
        "runs": status.runs,
        "last_node": status.last_node,
    }


def follow_json(f: Follow) -> dict[str, Any]:
    """Something a member follows: `kind` author, category or search, and its value."""
    return {"kind": f.kind, "value": f.value, "created": _iso(f.created_at)}


def collection_json(c: Collection, *, owner: bool = False) -> dict[str, Any]:
    """A member's collection; its owner also gets the token of its shared link."""
    shape: dict[str, Any] = {
        "id": c.id,
        "name": c.name,
        "description": c.description,
        "visibility": c.visibility,
        "owner": c.owner_name,
        "size": c.size,
        "created": _iso(c.created_at),
        "updated": _iso(c.updated_at),
    }
    if owner:
        shape["share_path"] = f"/collections/shared/{c.share_token}"
    return shape


def library_item_json(
    item: ListedPaper, saved_at: datetime | None, collections: Iterable[int], note: PaperNote | None
) -> dict[str, Any]:
    """A paper in a member's library: when they saved it, where, their note and read state."""
    return {
        **listed_json(item),
        "saved_at": _iso(saved_at),
        "collections": sorted(collections),
        "note": note.note if note else "",
        "read_at": _iso(note.read_at) if note else None,
    }


def recommendation_json(item: ListedPaper, rec: StoredRecommendation) -> dict[str, Any]:
    """A member's recommendation: the paper as listings give it, its rank and score, and why
    (`because`: ids of the member's papers it is most like; the words and authors that
    weighed most; what they follow that it matches)."""
    return {
        **listed_json(item),
        "rank": rec.rank,
        "score": round(rec.score, 4),
        "reason": {
            "because": list(rec.reason.because),
            "words": list(rec.reason.words),
            "authors": list(rec.reason.authors),
            "follows": list(rec.reason.follows),
        },
        "made_at": _iso(rec.made_at),
    }
