"""Turning user text into safe HTML: comments (Markdown, sanitised) and search highlights."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

# CommonMark with raw HTML switched off; nh3 then keeps only harmless tags and attributes.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("strikethrough")
_TAGS = {
    "p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "s",
    "h1", "h2", "h3", "h4", "hr",
}  # fmt: skip


# A comment is rendered each time its paper's page is (two short comments were 12% of the
# page); 512 of them, at most 10,000 characters each, are a few MB.
@lru_cache(maxsize=512)
def markdown(text: str) -> Markup:
    html = _markdown.render(text)
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
    )
    return Markup(clean)


def highlight(text: str, terms: Sequence[str]) -> Markup:
    """`text` escaped, with each word that starts with a term wrapped in <mark> (the term
    `code` marks `codes`: the index matched their common stem)."""
    words = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE
    )
    out: list[str] = []
    last = 0
    for m in pattern.finditer(text):
        out.append(str(escape(text[last : m.start()])))
        out.append(f"<mark>{escape(m.group(0))}</mark>")
        last = m.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))
