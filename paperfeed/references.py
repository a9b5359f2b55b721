"""Reading a reference manager's export (pure): BibTeX (bibtexparser), RIS (rispy) or CSL-JSON,
as Zotero, Mendeley, JabRef or paperfeed itself write them, into `Reference`s that name an
arXiv id and/or a DOI for the store to match.

Where an entry keeps its arXiv id varies by tool: BibTeX `eprint` (with `archivePrefix` arXiv
or an id-shaped value), a `10.48550/arXiv.…` DOI (arXiv's own DOIs), an arxiv.org URL, or a
note such as Zotero's `arXiv:2401.00001 [cs]`. Each is tried; an entry with neither an arXiv
id nor a DOI is kept with its title, so the import can say what it could not match."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import rispy
from bibtexparser.entrypoint import parse_string

from paperfeed.arxiv_id import split_version
from paperfeed.errors import Invalid

MAX_BYTES = 5_000_000  # an export this large is not a reading list
MAX_ENTRIES = 5_000
FORMATS = ("bibtex", "ris", "csl-json")

_NEW_ID = r"\d{4}\.\d{4,5}(?:v\d+)?"
_OLD_ID = r"[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?"
# arXiv ids as they appear inside URLs, DOIs and notes.
_IN_TEXT = [
    re.compile(rf"arxiv\.org/(?:abs|pdf|html)/({_NEW_ID}|{_OLD_ID})", re.IGNORECASE),
    re.compile(rf"10\.48550/arxiv\.({_NEW_ID}|{_OLD_ID})", re.IGNORECASE),
    re.compile(rf"\barxiv:\s*({_NEW_ID}|{_OLD_ID})", re.IGNORECASE),
]
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>{}]+)", re.IGNORECASE)
_DOI_URL = re.compile(r"^(?:https?://)?(?:dx\.)?doi\.org/", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Reference:
    """One entry of an export: its arXiv id (no version) and DOI (lower case) when found, its
    title, and where it stood (`position`, from 1) for messages."""

    position: int
    title: str
    arxiv_id: str | None = None
    doi: str | None = None


def read_references(data: bytes, name: str = "") -> tuple[str, list[Reference]]:
    """(the format recognised, the entries) of an export; Invalid with a message for people
    when it is none of FORMATS or is unreadable."""
    if len(data) > MAX_BYTES:
        raise Invalid(f"{name or 'the file'} is over {MAX_BYTES // 1_000_000} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(f"{name or 'the file'} is not UTF-8 text") from None
    if "\x00" in text:
        raise Invalid(f"{name or 'the file'} holds NUL bytes: not a text export")
    kind = _sniff(text, name)
    entries = {"bibtex": _bibtex, "ris": _ris, "csl-json": _csl}[kind](text)
    found = list(_numbered(entries))
    if not found:
        raise Invalid(f"no entries found in {name or 'the file'} (read as {kind})")
    if len(found) > MAX_ENTRIES:
        raise Invalid(f"{len(found):,} entries: at most {MAX_ENTRIES:,} are imported at once")
    return kind, found


def _sniff(text: str, name: str) -> str:
    start = text.lstrip()[:1]
    lower = name.lower()
    if start in "[{" and (lower.endswith(".json") or start == "["):
        return "csl-json"
    if start == "@" or lower.endswith((".bib", ".bibtex")):
        return "bibtex"
    if re.search(r"^TY  - ", text, re.MULTILINE) or lower.endswith(".ris"):
        return "ris"
    if start == "{":
        return "csl-json"
    raise Invalid(
        f"{name or 'the file'} is not BibTeX, RIS or CSL-JSON (Zotero: File → Export Library, "
        "format BibTeX, RIS or CSL JSON)"
    )


def _numbered(entries: Iterable[tuple[str, list[str], list[str]]]) -> Iterator[Reference]:
    for n, (title, id_fields, texts) in enumerate(entries, 1):
        yield Reference(n, " ".join(title.split())[:500], _arxiv_id(id_fields, texts), _doi(texts))


def _arxiv_id(id_fields: list[str], texts: list[str]) -> str | None:
    for value in id_fields:
        value = value.strip()
        if value.lower().startswith("arxiv:"):
            value = value[6:].strip()
        try:
            return split_version(value)[0]
        except Invalid:
            pass
    for text in texts:
        for pattern in _IN_TEXT:
            m = pattern.search(text)
            if m:
                try:
                    return split_version(m[1])[0]
                except Invalid:
                    continue
    return None


def _doi(texts: list[str]) -> str | None:
    for text in texts:
        m = _DOI.search(_DOI_URL.sub("", text.strip()))
        if m:
            return m[1].rstrip(".,;").lower()
    return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _bibtex(text: str) -> Iterator[tuple[str, list[str], list[str]]]:
    library = parse_string(text)
    if library.failed_blocks and not library.entries:
        raise Invalid("the BibTeX could not be read: " + _first_failure(library.failed_blocks))
    for entry in library.entries:
        fields = {k.lower(): str(v.value) for k, v in entry.fields_dict.items()}
        prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
        eprint = fields.get("eprint", "")
        id_fields = [fields.get("arxivid", ""), eprint if prefix in ("", "arxiv") else ""]
        texts = [fields.get(k, "") for k in ("doi", "url", "journal", "note", "howpublished")]
        yield fields.get("title", "").replace("{", "").replace("}", ""), id_fields, texts


def _first_failure(blocks: list[Any]) -> str:
    block = blocks[0]
    return f"line {getattr(block, 'start_line', 0) + 1}: {type(block).__name__}"


def _ris(text: str) -> Iterator[tuple[str, list[str], list[str]]]:
    try:
        records = rispy.loads(text)
    except Exception as exc:  # rispy raises bare exceptions on malformed files
        raise Invalid(f"the RIS could not be read: {exc}") from None
    for r in records:
        title = next(iter(_strings(r.get("title") or r.get("primary_title"))), "")
        texts = [
            *_strings(r.get("doi")),
            *_strings(r.get("urls")),
            *_strings(r.get("notes")),
            *_strings(r.get("number")),
            *_strings(r.get("journal_name")),
            *_strings(r.get("secondary_title")),
        ]
        yield title, [], texts


def _csl(text: str) -> Iterator[tuple[str, list[str], list[str]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(f"the CSL-JSON could not be read: {exc}") from None
    items = data if isinstance(data, list) else data.get("items", [data])
    for item in items:
        if not isinstance(item, dict):
            continue
        texts = [
            *_strings(item.get("DOI")),
            *_strings(item.get("URL")),
            *_strings(item.get("number")),
            *_strings(item.get("archive_location")),
            *_strings(item.get("note")),
            *_strings(item.get("container-title")),
        ]
        yield str(item.get("title") or ""), [], texts
