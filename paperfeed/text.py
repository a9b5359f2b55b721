"""Text normalisation applied once on the way in (pure)."""

from __future__ import annotations

import re
import unicodedata

# \'a  \'{a}  {\'a}  \v{s}  \c c ... : accent command -> combining character.
_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}
# Letters written as commands: {\o}, \ss, \L ...
_LETTERS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",  # noqa: RUF001 - dotless i is what \\i means
    "j": "ȷ",
}
_ACCENT = re.compile(
    r"""\{?\\(?P<cmd>['`^"~=.]|[uvHckrdb](?=[\s{]))\s*(?:\{(?P<braced>\\?[A-Za-z]?)\}|(?P<bare>\\?[A-Za-z]))\}?"""
)
_LETTER = re.compile(r"\{?\\(?P<name>ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])\s*\}?")
_BRACES = re.compile(r"(?<!\\)[{}]")


def collapse_space(text: str) -> str:
    """Join hard line breaks and runs of white space into single spaces, trim the ends."""
    # Fast path for the common shape (single spaces and "\n" line breaks): splitting a long
    # abstract into words costs several times more. `isprintable()` is False for every white
    # space character but " ", so passing the checks means `flat` is already the joined form.
    flat = text.replace("\n", " ").strip(" ")
    if "  " not in flat and flat.isprintable():
        return flat
    return " ".join(text.split())


def one_line(text: str) -> str:
    """What a person typed into a box, as one line: every character that does not print (NUL
    and other controls, bidirectional overrides, non-characters) becomes a space, and runs of
    white space a single one."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _accent(m: re.Match[str]) -> str:
    base = m["braced"] if m["braced"] is not None else m["bare"]
    if base in ("\\i", ""):
        base = "i" if base == "\\i" else ""
    if base == "\\j":
        base = "j"
    return unicodedata.normalize("NFC", base + _ACCENTS[m["cmd"]]) if base else m[0]


def decode_latex_accents(text: str) -> str:
    """Turn LaTeX accent commands into Unicode: `Bal\\'azs` -> `Balázs`, `{\\O}bro` -> `Øbro`.

    Only accents and accented letters are decoded, so mathematics is left alone; remaining
    grouping braces are dropped. Text without a backslash or brace is returned as is.
    """
    if "\\" not in text and "{" not in text:
        return text
    text = _ACCENT.sub(_accent, text)
    text = _LETTER.sub(lambda m: _LETTERS[m["name"]], text)
    if "\\" not in text:
        text = _BRACES.sub("", text)
    return unicodedata.normalize("NFC", text)


def clean_title(text: str) -> str:
    return collapse_space(text)


def clean_abstract(text: str) -> str:
    return collapse_space(text)


def clean_name(text: str) -> str:
    return collapse_space(decode_latex_accents(text))


def clean_optional(text: str | None) -> str | None:
    """Collapse white space in an optional field; empty becomes None."""
    if text is None:
        return None
    text = collapse_space(text)
    return text or None


def clip(text: str, length: int) -> str:
    """`text` cut to at most `length` characters at a word's end, with an ellipsis: no word
    cut in two and no comma or dash left hanging before the ellipsis ("Autoregressive,..."
    was what Jinja's `truncate` made of a title)."""
    text = collapse_space(text)
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if text[length - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-\u2013\u2014([{/") + "…"  # and en and em dashes
