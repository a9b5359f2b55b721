"""JSON shapes: paperfeed's native one, and Hugging Face's (`/api/daily_papers`), so HF
clients work unchanged."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from paperfeed.models import Comment, ListedPaper, Paper, Why


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="milliseconds") + "Z" if value else None


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


def hf_paper(item: ListedPaper) -> dict[str, Any]:
    """The `paper` object of Hugging Face's API."""
    p = item.paper
    out: dict[str, Any] = {
        "id": p.arxiv_id,
        "authors": [
            {"_id": f"{p.arxiv_id}-{i}", "name": a.name, "hidden": False}
            for i, a in enumerate(p.authors or ())
        ],
        "publishedAt": _iso(p.published),
        "title": p.title,
        "summary": p.abstract or "",
        "upvotes": item.upvotes,
        "discussionId": p.arxiv_id,
    }
    if p.code_url:
        out["githubRepo"] = p.code_url
    if p.project_url:
        out["projectPage"] = p.project_url
    if item.submitted_by:
        out["submittedOnDailyBy"] = _hf_user(item)
    return out


def _hf_user(item: ListedPaper) -> dict[str, Any]:
    return {
        "_id": item.submitted_by,
        "avatarUrl": "",
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


def hf_daily_item(item: ListedPaper) -> dict[str, Any]:
    """One element of Hugging Face's `/api/daily_papers` list."""
    out: dict[str, Any] = {
        "paper": hf_paper(item),
        "publishedAt": _iso(_featured_at(item)),
        "title": item.paper.title,
        "summary": item.paper.abstract or "",
        "thumbnail": "",
        "mediaUrls": [],
        "numComments": item.num_comments,
    }
    if item.submitted_by:
        out["submittedBy"] = _hf_user(item)
    return out
