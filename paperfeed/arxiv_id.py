"""arXiv identifiers: recognise, split off the version, and extract one from a URL (pure)."""

from __future__ import annotations

import re

from paperfeed.errors import Invalid

# New style since 2007-04: YYMM.NNNN (to 2014-12) or YYMM.NNNNN (from 2015-01).
_NEW = re.compile(r"(?P<yymm>\d{2}(?:0[1-9]|1[0-2]))\.(?P<num>\d{4,5})(?:v(?P<v>[1-9]\d*))?")
# Old style: archive[.SUBJECT-CLASS]/YYMMNNN; the subject class is not part of the identifier.
_OLD = re.compile(
    r"(?P<archive>[a-z]+(?:-[a-z]+)*)(?:\.[A-Za-z]{2})?/(?P<num>\d{2}(?:0[1-9]|1[0-2])\d{3})"
    r"(?:v(?P<v>[1-9]\d*))?"
)
_URL = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?(?:arxiv\.org/(?:abs|pdf|html)/|huggingface\.co/papers/)"
    r"(?P<rest>[^?#]+?)(?:\.pdf)?/?(?:[?#].*)?$",
    re.IGNORECASE,
)
# Identifiers of papers that are not on arXiv (evaluation corpora such as CACM-0001).
_LOCAL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}")


def split_version(text: str) -> tuple[str, int | None]:
    """Return (id without version, version or None) for an arXiv id; raise Invalid otherwise."""
    text = text.strip()
    m = _NEW.fullmatch(text)
    if m:
        five_digit_era = m["yymm"] >= "1501"
        if (len(m["num"]) == 5) != five_digit_era or m["yymm"] < "0704" or int(m["num"]) == 0:
            raise Invalid(f"not an arXiv identifier: {text!r}")
        return f"{m['yymm']}.{m['num']}", int(m["v"]) if m["v"] else None
    m = _OLD.fullmatch(text)
    if m:
        return f"{m['archive']}/{m['num']}", int(m["v"]) if m["v"] else None
    raise Invalid(f"not an arXiv identifier: {text!r}")


def is_arxiv_id(text: str) -> bool:
    try:
        split_version(text)
    except Invalid:
        return False
    return True


def parse_reference(text: str) -> tuple[str, int | None]:
    """Accept what people paste: `2410.17243`, `arXiv:2410.17243v2`, an arXiv abs/pdf URL or a
    Hugging Face paper URL. Returns (id, version or None)."""
    text = text.strip()
    m = _URL.match(text)
    if m:
        text = m["rest"]
    if text.lower().startswith("arxiv:"):
        text = text[6:]
    return split_version(text)


def normalize_record_id(text: str) -> tuple[str, int | None]:
    """Ids in generic records: an arXiv id (version split off) or a local id such as CACM-0001."""
    text = text.strip()
    try:
        return split_version(text)
    except Invalid:
        if _LOCAL.fullmatch(text) and not text.lower().startswith("arxiv:"):
            return text, None
        raise
