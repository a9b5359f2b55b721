"""What parsers yield, and the validation every source shares (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

from paperfeed.errors import Invalid
from paperfeed.models import (
    Announcement,
    DailyEntry,
    Deletion,
    HfFields,
    Paper,
    PaperAhead,
    RecordError,
    pickled_by_fields,
)
from paperfeed.text import clean_optional, clean_title


# Not frozen, like Paper (models.py) and for the same reason: one is built per record in a
# parser process and again in the writing process when it arrives, and a frozen dataclass
# sets each field through object.__setattr__. Immutable all the same by convention.
@pickled_by_fields
@dataclass(slots=True, unsafe_hash=True)
class Record:
    """One usable item from a source: a paper, and/or facts about it."""

    position: str
    paper: Paper | None = None
    daily_entry: DailyEntry | None = None
    announcement: Announcement | None = None
    deletion: Deletion | None = None
    hf: HfFields | None = None
    # Optional fields given but unusable and left out (a lenient reader's, see `ingest.generic`).
    dropped: tuple[str, ...] = ()
    # The paper as the rows the store would write, instead of `paper` (see `lines.RowsAhead`).
    ahead: PaperAhead | None = None


Item = Record | RecordError

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH_YEAR = re.compile(r"\b([A-Za-z]{3,9})\.?,?\s*(\d{4})\b")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


# arXiv's own form, by far the most common: `Mon, 2 Apr 2007 19:18:42 GMT`.
_ARXIV_STAMP = re.compile(
    r"(?:[A-Za-z]{3}, )?(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (?:GMT|UTC|\+0000)"
)


def parse_datetime(text: str) -> datetime:
    """ISO 8601 (`2024-10-22`, `2024-10-22T17:59:30.000Z`), RFC 2822 (`Mon, 2 Apr 2007 19:18:42
    GMT`), `YYYY-MM`, `YYYY`, or `Month YYYY` somewhere in the text (`CACM December, 1958`).
    Returns naive UTC; raises Invalid for anything else, including impossible dates."""
    text = text.strip()
    if not text:
        raise Invalid("empty date")
    if text[:4].isdigit():
        iso = text[:-1] + "+00:00" if text.endswith("Z") else text
        try:
            return _naive_utc(datetime.fromisoformat(iso))
        except ValueError:
            pass
        m = _YEAR_MONTH.fullmatch(text)
        if m and 1 <= int(m[2]) <= 12:
            return datetime(int(m[1]), int(m[2]), 1)
        if len(text) == 4 and 1000 <= int(text) <= 9999:
            return datetime(int(text), 1, 1)
        raise Invalid(f"invalid date {text!r}")
    m = _ARXIV_STAMP.fullmatch(text)
    if m:
        day, month_name, year, hour, minute, second = m.groups()
        month = _MONTHS.get(month_name.lower())
        if month is not None:
            try:
                return datetime(int(year), month, int(day), int(hour), int(minute), int(second))
            except ValueError:
                raise Invalid(f"invalid date {text!r}") from None
    try:
        return _naive_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    m = _MONTH_YEAR.search(text)
    if m and m[1].lower() in _MONTHS:
        return datetime(int(m[2]), _MONTHS[m[1].lower()], 1)
    raise Invalid(f"invalid date {text!r}")


def parse_day(text: str) -> date:
    return parse_datetime(text).date()


def require_title(title: object) -> str:
    if not isinstance(title, str):
        raise Invalid("missing title")
    cleaned = clean_title(title)
    if not cleaned:
        raise Invalid("empty title")
    return cleaned


def optional_str(value: object, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(f"{name} must be a string, got {type(value).__name__}")
    return clean_optional(value)
