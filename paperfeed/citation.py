"""Papers as reference managers take them (pure): BibTeX (written with bibtexparser), RIS
(written with rispy), CSL-JSON, and the COinS span the Zotero Connector reads off a listing.

Titles and abstracts stay the TeX their authors wrote, as arXiv's own BibTeX export keeps
them: BibTeX and the tools reading it understand it. Author names come in order, whole in
BibTeX (which splits "First von Last" itself) and split into family and given names for RIS
and CSL-JSON, where a reader expects them apart.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import rispy
from bibtexparser.entrypoint import write_string
from bibtexparser.library import Library
from bibtexparser.model import Entry, Field

from paperfeed.models import Author, Paper

# Lower-case words that belong to the family name ("Ludwig van Beethoven").
_PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "di",
        "da",
        "dos",
        "das",
        "du",
        "la",
        "le",
        "ten",
        "ter",
        "vander",
        "zu",
    ]
)
_LETTERS = re.compile(r"[^a-z]")


def split_name(name: str) -> tuple[str, str]:
    """(given, family) of a name written "Given Family" (or "Family, Given")."""
    if "," in name:
        family, _, given = name.partition(",")
        return given.strip(), family.strip()
    words = name.split()
    if len(words) < 2:
        return "", name.strip()
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:])


def _ascii_letters(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _LETTERS.sub("", plain.lower())


def cite_key(paper: Paper) -> str:
    """`huang2026envharness`: first author's family name, year, first word of the title
    (letters only); `arxiv` and the id's digits where those give nothing."""
    family = _ascii_letters(split_name(paper.authors[0].name)[1]) if paper.authors else ""
    year = str(paper.published.year) if paper.published else ""
    words = [_ascii_letters(w) for w in paper.title.split()]
    word = next((w for w in words if len(w) > 3), next((w for w in words if w), ""))
    if not (family or word):
        return "arxiv" + re.sub(r"\W", "", paper.arxiv_id)
    return f"{family}{year}{word}"


def _letters(n: int) -> str:
    """1 → a, 26 → z, 27 → aa: the suffix that tells apart the `n`-th repeat of a key."""
    out = ""
    while n:
        n, digit = divmod(n - 1, 26)
        out = chr(ord("a") + digit) + out
    return out


def _bibtex_name(author: Author) -> str:
    # Braces keep a name that holds " and " or a comma one author.
    name = author.name
    return f"{{{name}}}" if " and " in f" {name.lower()} " or "," in name else name


def _balanced(text: str) -> str:
    """`text` as a BibTeX value: as written when its braces balance, else with them escaped."""
    depth = 0
    for ch in text:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            break
    if depth == 0:
        return text
    return text.replace("{", "\\{").replace("}", "\\}")


def bibtex(papers: Sequence[Paper]) -> str:
    """One `@misc` entry per paper, as arXiv exports them (eprint, archivePrefix,
    primaryClass), with the DOI and journal reference where known; keys unique."""
    library = Library()
    taken: set[str] = set()
    for paper in papers:
        base = key = cite_key(paper)
        n = 0
        while key in taken:  # huang2026envharness, then …a, …b, …, …z, …aa, …
            n += 1
            key = base + _letters(n)
        taken.add(key)
        fields = [Field("title", f"{{{_balanced(paper.title)}}}")]
        if paper.authors:
            fields.append(Field("author", " and ".join(map(_bibtex_name, paper.authors))))
        if paper.published:
            fields.append(Field("year", str(paper.published.year)))
        if paper.is_arxiv:
            fields += [Field("eprint", paper.arxiv_id), Field("archivePrefix", "arXiv")]
            if paper.categories:
                fields.append(Field("primaryClass", paper.categories[0]))
            fields.append(Field("url", paper.abs_url))
        if paper.doi:
            fields.append(Field("doi", paper.doi))
        if paper.journal_ref:
            fields.append(Field("note", _balanced(paper.journal_ref)))
        if paper.abstract:
            fields.append(Field("abstract", _balanced(paper.abstract)))
        library.add(Entry("misc", key, fields))
    return str(write_string(library))


class _RisWriter(rispy.RisWriter):  # type: ignore[misc]  # rispy has no types
    """rispy's writer without its "1." line before each record."""

    def set_header(self, count: int) -> str:
        return ""


def _ris_record(paper: Paper) -> dict[str, Any]:
    record: dict[str, Any] = {"type_of_reference": "GEN" if not paper.doi else "JOUR"}
    record["title"] = paper.title
    if paper.authors:
        record["authors"] = [
            ", ".join(p for p in reversed(split_name(a.name)) if p) for a in paper.authors
        ]
    if paper.published:
        record["year"] = str(paper.published.year)
        record["date"] = paper.published.strftime("%Y/%m/%d")
    if paper.abstract:
        record["abstract"] = paper.abstract
    if paper.doi:
        record["doi"] = paper.doi
    if paper.journal_ref:
        record["notes"] = [paper.journal_ref]
    if paper.is_arxiv:
        record["urls"] = [paper.abs_url]
        record["publisher"] = "arXiv"
        record["number"] = f"arXiv:{paper.arxiv_id}"
        if paper.categories:
            record["keywords"] = list(paper.categories)
    return record


def ris(papers: Sequence[Paper]) -> str:
    """One RIS record per paper: authors "Family, Given" in order, the DOI, the arXiv page."""
    return str(rispy.dumps([_ris_record(p) for p in papers], implementation=_RisWriter))


def _csl_item(paper: Paper) -> dict[str, Any]:
    item: dict[str, Any] = {"id": paper.arxiv_id, "type": "article", "title": paper.title}
    if paper.authors:
        item["author"] = [
            {"family": family, "given": given} if given else {"literal": family}
            for given, family in (split_name(a.name) for a in paper.authors)
        ]
    if paper.published:
        p = paper.published
        item["issued"] = {"date-parts": [[p.year, p.month, p.day]]}
    if paper.abstract:
        item["abstract"] = paper.abstract
    if paper.doi:
        item["DOI"] = paper.doi
    if paper.is_arxiv:
        item["URL"] = paper.abs_url
        item["number"] = f"arXiv:{paper.arxiv_id}"
        item["publisher"] = "arXiv"
    return item


def csl_json(papers: Sequence[Paper]) -> str:
    """CSL-JSON (what Zotero, Pandoc and citeproc read): a list of items."""
    return json.dumps([_csl_item(p) for p in papers], ensure_ascii=False, indent=1)


def coins(paper: Paper) -> str:
    """The title of a COinS span (`<span class="Z3988" title="…">`) for `paper`: an
    OpenURL ContextObject the Zotero Connector turns into an item (escape it for HTML)."""
    fields: list[tuple[str, str]] = [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", "info:ofi/fmt:kev:mtx:journal"),
        ("rft.genre", "preprint"),
        ("rft.atitle", paper.title),
    ]
    if paper.is_arxiv:
        fields += [("rft.jtitle", "arXiv"), ("rft_id", f"info:arxiv/{paper.arxiv_id}")]
        fields.append(("rft_id", str(paper.abs_url)))
    if paper.doi:
        fields.append(("rft_id", f"info:doi/{paper.doi}"))
    if paper.published:
        fields.append(("rft.date", paper.published.date().isoformat()))
    for author in paper.authors or ():
        fields.append(("rft.au", author.name))
    return urlencode(fields)
