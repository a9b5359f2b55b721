"""The Jinja2 environment: autoescaping on, and the helpers templates share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from paperfeed import tex
from paperfeed.citation import coins
from paperfeed.feed.trending import FORMULA
from paperfeed.models import Paper
from paperfeed.periods import month_period, week_period
from paperfeed.text import clip
from paperfeed.web import cards
from paperfeed.web.avatar import avatar_uri
from paperfeed.web.follow_state import following, here
from paperfeed.web.library_state import VISIBILITY_LABELS, library_of
from paperfeed.web.render import highlight, markdown

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
# The templates ship inside the package and change only with it: a compiled template is kept,
# instead of checking every file's modification time on each render (10-15% of a page's CPU
# under load; issue 15). Restart the server to see an edited template.
templates.env.auto_reload = False


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


def author_path(name: str) -> str:
    return "/papers/author/" + quote(name, safe="")


def tex_html(
    text: str | None, terms: Sequence[str] | None = None, limit: int | None = None
) -> Markup:
    """A title or abstract as HTML: formulas as MathML, TeX text commands decoded, the search
    `terms` highlighted in the text (never inside a formula), cut after about `limit`
    characters (never inside a formula)."""
    parts = tex.pieces(text or "")
    more = False
    if limit is not None:
        parts, more = tex.shorten(parts, limit)
    html = "".join(
        str(highlight(p.text, terms)) if terms and not p.formula else tex.piece_html(p)
        for p in parts
    )
    return Markup(html + ("…" if more else ""))


def plural(count: int, word: str, words: str | None = None) -> str:
    """`1 upvote`, `2 upvotes`, `0 upvotes`."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def hours_ago(hours: float) -> str:
    """An age for people: `just now`, `5 hours ago`, `3 days ago`."""
    if hours < 1:
        return "just now"
    if hours < 24:
        return plural(int(hours), "hour") + " ago"
    return plural(int(hours // 24), "day") + " ago"


def code_host(url: str) -> str:
    """`GitHub` for a GitHub link, else the host name: what a code link is labelled."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return {"github.com": "GitHub", "gitlab.com": "GitLab", "huggingface.co": "Hugging Face"}.get(
        host, host or "Code"
    )


templates.env.filters["authors_line"] = authors_line
templates.env.filters["short_date"] = short_date
templates.env.filters["markdown"] = markdown
templates.env.filters["paper_path"] = paper_path
templates.env.filters["author_path"] = author_path
templates.env.filters["tex"] = tex_html
templates.env.filters["tex_text"] = tex.to_text
templates.env.filters["plural"] = plural
templates.env.filters["hours_ago"] = hours_ago
templates.env.filters["avatar"] = avatar_uri
templates.env.filters["code_host"] = code_host
templates.env.filters["coins"] = coins
templates.env.filters["clip"] = clip
templates.env.globals["hf_extras"] = cards.hf_extras
templates.env.globals["lookup"] = cards.lookup
templates.env.globals["trending_formula"] = FORMULA
templates.env.globals["card"] = cards.card
templates.env.globals["following"] = following
templates.env.globals["follow_back"] = here
templates.env.globals["library_of"] = library_of
templates.env.globals["visibility_labels"] = VISIBILITY_LABELS


def week_key(day: date) -> str:
    return week_period(day).key


def month_key(day: date) -> str:
    return month_period(day).key


templates.env.globals["week_key"] = week_key
templates.env.globals["month_key"] = month_key
