"""The Jinja2 environment: autoescaping on, and the helpers templates share."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

from fastapi.templating import Jinja2Templates

from paperfeed.feed.trending import FORMULA
from paperfeed.models import Paper
from paperfeed.periods import month_period, week_period
from paperfeed.web.render import highlight, markdown

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def authors_line(paper: Paper, shown: int = 3) -> str:
    """A listing's author summary, like the Daily Papers page: 'A, B, C and 9 more'."""
    names = [a.name for a in paper.authors or ()]
    if len(names) <= shown:
        return ", ".join(names)
    return ", ".join(names[:shown]) + f" and {len(names) - shown} more"


def short_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%b %-d, %Y")


def paper_path(arxiv_id: str) -> str:
    return "/papers/" + quote(arxiv_id)


templates.env.filters["authors_line"] = authors_line
templates.env.filters["short_date"] = short_date
templates.env.filters["markdown"] = markdown
templates.env.filters["paper_path"] = paper_path
templates.env.globals["highlight"] = highlight
templates.env.globals["trending_formula"] = FORMULA


def week_key(day: date) -> str:
    return week_period(day).key


def month_key(day: date) -> str:
    return month_period(day).key


templates.env.globals["week_key"] = week_key
templates.env.globals["month_key"] = month_key
