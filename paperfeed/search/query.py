"""Reading a search query (pure). Plain text is plain text: only the documented operators mean
anything, and nothing a user types reaches the search engine as syntax.

Operators: `"exact phrase"`, `-word` / `-"phrase"` (exclude), `author:NAME` / `author:"A Name"`,
`cat:CATEGORY`, `year:2024` / `year:2020-2024` / `year:2020..` / `year:..2019`. An arXiv id or an
arXiv / Hugging Face paper URL anywhere in the query is a reference to that paper.
Anything else (an unbalanced quote, `foo:bar`, brackets, backslashes, emoji) is ordinary text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from paperfeed.arxiv_id import parse_reference
from paperfeed.errors import Invalid
from paperfeed.text import one_line

# A query longer than this is cut (at a word boundary): 10 kB pasted into the box must still
# answer quickly. A whole abstract pasted in ("papers like this one") fits.
MAX_QUERY_CHARS = 4000
# Phrases and exclusions kept of one query; the keyword index ranks with at most this many
# distinct terms too, the rarest ones (search/keyword_index.py), not the first ones.
MAX_TERMS = 64
_TOKEN = re.compile(
    r'(?P<neg>-)?(?:(?P<field>[A-Za-z]+):)?(?:"(?P<quoted>[^"]*)"|(?P<word>[^\s"]+))'
)
_YEAR = re.compile(r"(?P<a>\d{4})?(?P<sep>-|\.\.)?(?P<b>\d{4})?")
FIELDS = ("author", "cat", "year")


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """What a query asks for. `text` is the free text (words and phrases) in the user's order,
    used for semantic search and for showing the query back."""

    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    excluded_words: tuple[str, ...] = ()
    excluded_phrases: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    references: tuple[str, ...] = ()
    text: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def has_terms(self) -> bool:
        """True when there is something to rank by (not only filters or references)."""
        return bool(self.words or self.phrases or self.authors)

    @property
    def is_empty(self) -> bool:
        return not (
            self.has_terms
            or self.excluded_words
            or self.excluded_phrases
            or self.categories
            or self.year_from
            or self.year_to
            or self.references
        )


def _truncate(raw: str) -> str:
    raw = one_line(raw)
    if len(raw) <= MAX_QUERY_CHARS:
        return raw
    cut = raw[:MAX_QUERY_CHARS]
    space = cut.rfind(" ")
    return cut[:space] if space > MAX_QUERY_CHARS // 2 else cut


def _reference(token: str) -> str | None:
    try:
        return parse_reference(token)[0]
    except Invalid:
        return None


def _years(value: str) -> tuple[int | None, int | None] | None:
    m = _YEAR.fullmatch(value)
    if not m or not (m["a"] or m["b"]):
        return None
    a = int(m["a"]) if m["a"] else None
    b = int(m["b"]) if m["b"] else None
    if not m["sep"]:
        return a, a
    if a and b and a > b:
        a, b = b, a
    return a, b


def parse_query(raw: str) -> ParsedQuery:
    """Parse what a user typed; never raises."""
    words: list[str] = []
    phrases: list[str] = []
    excluded_words: list[str] = []
    excluded_phrases: list[str] = []
    authors: list[str] = []
    categories: list[str] = []
    references: list[str] = []
    text: list[str] = []
    notes: list[str] = []
    year_from: int | None = None
    year_to: int | None = None

    raw = _truncate(raw or "")
    # An unbalanced quote is an ordinary character, not the start of a phrase.
    if raw.count('"') % 2:
        last = raw.rfind('"')
        raw = raw[:last] + " " + raw[last + 1 :]
    for m in _TOKEN.finditer(raw):
        neg, name, quoted, word = m["neg"], m["field"], m["quoted"], m["word"]
        value = " ".join((quoted if quoted is not None else word or "").split())
        fname = name.lower() if name else None
        if fname and fname not in FIELDS:
            # "foo:bar" (or a URL) is text, not a field.
            value = f"{name}:{value}" if value else name
            fname = None
            quoted = None
        if not value:
            continue
        if fname == "author":
            (notes if neg else authors).append(
                f"-author: is not supported; {value!r} ignored" if neg else value
            )
            continue
        if fname == "cat":
            if neg:
                notes.append(f"-cat: is not supported; {value!r} ignored")
            else:
                categories.extend(value.split())
            continue
        if fname == "year":
            span = _years(value)
            if span is None or neg:
                notes.append(
                    f"year:{value} is not a year or range (e.g. year:2024, year:2020-2024)"
                )
            else:
                year_from, year_to = span
            continue
        if quoted is None:
            ref = _reference(value)
            if ref and not neg:
                references.append(ref)
                continue
        if neg:
            (excluded_phrases if quoted is not None else excluded_words).append(value)
        elif quoted is not None:
            phrases.append(value)
            text.append(value)
        else:
            words.append(value)
            text.append(value)
    return ParsedQuery(
        words=tuple(words),
        phrases=tuple(phrases[:MAX_TERMS]),
        excluded_words=tuple(excluded_words[:MAX_TERMS]),
        excluded_phrases=tuple(excluded_phrases[:MAX_TERMS]),
        authors=tuple(dict.fromkeys(authors)),
        categories=tuple(dict.fromkeys(categories)),
        year_from=year_from,
        year_to=year_to,
        references=tuple(dict.fromkeys(references)),
        text=" ".join(text),
        notes=tuple(notes),
    )
