"""TeX in titles and abstracts as pages show it: formulas as MathML, text commands decoded (pure).

arXiv metadata is TeX source read as plain text with MathJax formulas: `$C^\\infty$`,
`Gr\\"obner`, `\\cite{Reeb}`, and as plain text `5%` or `~10x`. Two maintained libraries do
the work, chosen by measuring them on the 40,552 real records of ../shared/data (arXiv's
Kaggle snapshot, API replies and quant-ph harvest, HF's daily papers):

- latex2mathml turns a formula into MathML, which every current browser renders (no script,
  so the site's CSP holds). Its output is never trusted: `\\text{<b>}`, `\\href{javascript:…}`
  and `\\style{…}` come out as raw tags or attributes, so the element tree it builds is
  written out again here, allowed MathML elements and attributes only, every text escaped.
  A formula it cannot convert, or that keeps a command it does not know (`<mi>\\AA</mi>`),
  is shown as its escaped source.
- pylatexenc's latex2text decodes text: accents, `\\emph`, `{\\it …}`, `` ``quotes'' ``,
  `--`, `\\%`, and the symbol commands old abstracts write outside dollars (`\\rho`). Of
  the 2,344 texts with a command outside their formulas it leaves none with a backslash;
  latexcodec leaves 97% (it decodes accents but keeps `\\emph {x}` and `\\alpha`), and
  paperfeed's own `decode_latex_accents` (accents only) 98%. Both libraries read `%` as a
  comment (dropping the rest of "a 5% gain": 1,206 texts have a bare `%`) and `~` as a
  space (`~10x`), so those are kept as written; `\\cite{…}`/`\\ref{…}` are dropped with
  the space before them.

Of the 21,150 formulas in that data, 669 (3.2%, all in arXiv's own records, none in HF's)
fall back to their source: they use their paper's private macros (`\\lam`, `\\msun`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final
from xml.etree.ElementTree import Element

from latex2mathml.converter import convert_to_element
from markupsafe import escape
from pylatexenc import latexwalker  # type: ignore[import-untyped]
from pylatexenc.latex2text import (  # type: ignore[import-untyped]
    LatexNodes2Text,
    MacroTextSpec,
    get_default_latex_context_db,
)
from pylatexenc.macrospec import MacroSpec  # type: ignore[import-untyped]

# Formulas as MathJax finds them on arXiv. An inline `$` opens before a non-space and closes
# after one, not before a digit (pandoc's rule), so "costs $5 and $10" stays text. Old
# abstracts also write `$ G/H $` and `$Z \to \gamma\gamma $`: a pair with spaces inside is a
# formula too when it looks like one (`_looks_like_math`), which prices do not.
_MATH = re.compile(
    r"""(?<!\\)\$\$(?P<display>.+?)(?<!\\)\$\$
    |(?<![\\$])\$(?![\s$])(?P<inline>(?:\\.|[^$\\])+?)(?<![\s\\])\$(?!\d)
    |(?<![\\$])\$(?P<loose>(?:\\.|[^$\\]){1,400}?)(?<!\\)\$(?!\d)
    |\\\((?P<paren>.+?)\\\)
    |\\\[(?P<bracket>.+?)\\\]""",
    re.S | re.X,
)
_TEX_MARK = re.compile(r"[\\^_{}=<>]")
_LETTER = re.compile(r"[^\W\d_]")
# References mean nothing out of their paper: drop them, with the space or tie before.
_REFERENCE = re.compile(
    r"[\s~]*\\(?:cite[a-zA-Z]*|(?:eq|auto|page|c|C)?ref|label)\*?(?:\[[^\]]*\])*\{[^{}]*\}"
)
# `%` is a percent sign in abstracts, not a comment.
_PERCENT = re.compile(r"(?<!\\)%")
# `~` ties two words ("Fig.~2", "RTX~5090"); elsewhere it means "about" ("~10x", "(~360 K").
_TIE = re.compile(r"(?<=[\w.,:;)}])~(?=[\w\\$])")
# Private-use characters hold ties and literal `~` apart while pylatexenc runs.
_TIE_MARK, _TILDE_MARK = "\ue000", "\ue001"
# What pylatexenc would change: text without any of these is returned as it is.
_TEXT_SYNTAX = re.compile(r"[\\{}~%]|``|''|--")
# TeX eats the space after a command word, but whoever wrote `\alpha decay` in an abstract
# (arXiv shows it as it is) meant a space there.
# (pylatexenc's "based-on-source" spacing keeps it, but loses the one in `\emph{a} \emph{b}`.)
# Letters written as commands stay as they are: `Stra\ss e` is "Straße".
_BARE_WORD = re.compile(r"(\\(?!(?:ss|ae|AE|oe|OE|aa|AA)\b)[A-Za-z]{2,}) ")
_GROUPING = re.compile(r"[\\{}]")
_ENDS_IN_COMMAND = re.compile(r"\\(?:[A-Za-z]+|[^A-Za-z\s])$")
_PUNCTUATION = (("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"), ("''", "\u201d"))
_CHAR_REF = re.compile(r"&#x([0-9A-Fa-f]+);")
_SPACE = re.compile(r"[ \t\r\n\f\v]+")  # not the no-break space of a tie

# MathML Core's elements and the presentation attributes latex2mathml writes; `href`,
# `style`, `mathcolor` and everything else are dropped.
_ELEMENTS: Final = frozenset(
    {
        "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup",
        "msubsup", "mfrac", "msqrt", "mroot", "mover", "munder", "munderover", "mtable",
        "mtr", "mtd", "mstyle", "mpadded", "mphantom", "mmultiscripts", "mprescripts",
        "none", "menclose", "semantics", "annotation",
    }
)  # fmt: skip
_ATTRIBUTES: Final = frozenset(
    {
        "mathvariant", "stretchy", "fence", "separator", "form", "accent", "accentunder",
        "largeop", "movablelimits", "symmetric", "lspace", "rspace", "minsize", "maxsize",
        "displaystyle", "scriptlevel", "linethickness", "columnalign", "rowalign",
        "columnspacing", "rowspacing", "columnlines", "rowlines", "frame", "width",
        "height", "depth", "notation",
    }
)  # fmt: skip
# Shorthands abstracts use as if LaTeX had them (each a private macro of its paper): the
# number sets, `\eps` and `\dag` are the most frequent of the formulas latex2mathml fails on.
_SHORTHANDS = {
    **{letter: f"\\mathbb{{{letter}}}" for letter in "RCQZN"},
    "eps": "\\epsilon",
    "dag": "\\dagger",
}
_SHORTHAND = re.compile(r"\\(R|C|Q|Z|N|eps|dag)(?![A-Za-z])|\\/")  # `\/`: italic correction
_VALUE = re.compile(r"[\w .%#-]{0,64}")


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of text (`text` decoded to Unicode) or a formula (`text` is its TeX source).
    `mathml` is the formula as safe MathML; None for text and for a formula that could not
    be converted (shown as its source)."""

    text: str
    formula: bool = False
    mathml: str | None = None
    display: bool = False


def _walker_context() -> latexwalker.LatexContextDb:
    db = latexwalker.get_default_latex_context_db()
    db.add_context_category(
        "paperfeed",
        prepend=True,
        macros=[MacroSpec("href", "{{"), MacroSpec("QTR", "{{")],
    )
    return db


def _text_context() -> Any:
    db = get_default_latex_context_db()
    db.add_context_category(
        "paperfeed",
        prepend=True,
        macros=[
            MacroTextSpec("href", simplify_repl="%(2)s"),
            MacroTextSpec("url", simplify_repl="%(1)s"),
            # Scientific WorkPlace's \QTR{it}{text}, common in old quant-ph abstracts.
            MacroTextSpec("QTR", simplify_repl="%(2)s"),
        ],
    )
    return db


_WALKER_CONTEXT = _walker_context()
_TO_TEXT = LatexNodes2Text(_text_context())


def decode_text(tex: str) -> str:
    """Text (no formula) with its TeX commands decoded, white space collapsed but kept at
    the ends; the source itself where pylatexenc cannot read it."""
    if not _TEXT_SYNTAX.search(tex):
        return tex
    source = _REFERENCE.sub("", tex)
    first = _GROUPING.search(source)
    if first is None:
        return _SPACE.sub(" ", _punctuate(source))
    # pylatexenc reads a character at a time (2 ms an abstract): only the words from the first
    # command or brace to the last go through it, a sixth of the text of those abstracts.
    start = source.rfind(" ", 0, first.start()) + 1
    last = max(source.rfind("\\"), source.rfind("{"), source.rfind("}"))
    end = source.find(" ", last + 1)
    if end >= 0 and _ENDS_IN_COMMAND.search(source, 0, end):
        end = source.find(" ", end + 1)  # its argument is the next word (`\c c`, `\alpha x`)
    end = len(source) if end < 0 else end
    decoded = _punctuate(source[:start]) + _latex_to_text(source[start:end])
    return _SPACE.sub(" ", decoded + _punctuate(source[end:]))


def _punctuate(text: str) -> str:
    """What pylatexenc would make of text without commands or braces: ties, dashes, quotes."""
    text = _TIE.sub("\xa0", text)
    for mark, char in _PUNCTUATION:
        text = text.replace(mark, char)
    return text


def _latex_to_text(source: str) -> str:
    text = _PERCENT.sub(r"\\%", source)
    text = _BARE_WORD.sub(r"\1{} ", text)
    text = _TIE.sub(_TIE_MARK, text).replace("~", _TILDE_MARK).replace(_TIE_MARK, "~")
    try:
        nodes = latexwalker.LatexWalker(
            text, latex_context=_WALKER_CONTEXT, tolerant_parsing=True
        ).get_latex_nodes()[0]
        decoded = _TO_TEXT.nodelist_to_text(nodes)
    except Exception:  # pylatexenc raises many kinds on odd input; the source is the answer
        return source
    return str(decoded).replace(_TILDE_MARK, "~")


def _char(m: re.Match[str]) -> str:
    return chr(int(m[1], 16))


def _write(element: Element, out: list[str]) -> bool:
    """Append `element` as MathML to `out`; False when it holds what MathML cannot show."""
    tag = element.tag
    if tag not in _ELEMENTS:
        return False
    out.append(f"<{tag}")
    for name, value in element.attrib.items():
        if name in _ATTRIBUTES and _VALUE.fullmatch(value):
            out.append(f' {name}="{escape(value)}"')
    out.append(">")
    for text, child in ((element.text, None), *((c.tail, c) for c in element)):
        if child is not None and not _write(child, out):
            return False
        if text:
            if "\\" in text:  # a command it did not know, kept as text (`<mi>\\AA</mi>`)
                return False
            # It writes symbols as character references (`\\backslash` too): decode them, then
            # escape all.
            out.append(str(escape(_CHAR_REF.sub(_char, text))))
    out.append(f"</{tag}>")
    return True


@lru_cache(maxsize=4096)
def formula_mathml(tex: str, display: bool = False) -> str | None:
    """The formula `tex` (without delimiters) as safe MathML, or None when it cannot be
    converted."""
    try:
        root = convert_to_element(_expand(tex), display="block" if display else "inline")
    except Exception:  # latex2mathml raises its own errors, and others on broken input
        return None
    # The root's own attributes are set here: display, and the namespace HTML ignores.
    out = [f'<math display="{"block" if display else "inline"}">']
    for child in root:
        if not _write(child, out):
            return None
    out.append("</math>")
    return "".join(out)


@lru_cache(maxsize=4096)
def pieces(tex: str) -> tuple[Piece, ...]:
    """`tex` split into decoded text and formulas, each formula converted to MathML."""
    found: list[Piece] = []
    last = pos = 0
    while (m := _MATH.search(tex, pos)) is not None:
        source = next(g for g in m.groups() if g is not None).strip()
        if m["loose"] is not None and not _looks_like_math(source):
            pos = m.start() + 1  # a price: its `$` is text, the next one may open a formula
            continue
        if m.start() > last:
            found.append(Piece(decode_text(tex[last : m.start()])))
        display = m["display"] is not None or m["bracket"] is not None
        found.append(Piece(source, True, formula_mathml(source, display), display))
        last = pos = m.end()
    if last < len(tex):
        found.append(Piece(decode_text(tex[last:])))
    if found and not found[0].formula:
        found[0] = Piece(found[0].text.lstrip())
    if found and not found[-1].formula:
        found[-1] = Piece(found[-1].text.rstrip())
    return tuple(p for p in found if p.text)


def _looks_like_math(source: str) -> bool:
    """Whether `$ source $`, written with spaces inside, is a formula: it has TeX's syntax or
    no letter (`$ 1/2 $`), or it is short and does not start with a digit (`$ G/H $`); a
    stretch between two prices (`$11 in total … the $`) is none of these."""
    if not source:
        return False
    short = len(source) <= 30 and not source[0].isdigit()
    return bool(_TEX_MARK.search(source)) or not _LETTER.search(source) or short


def shorten(parts: tuple[Piece, ...], limit: int) -> tuple[tuple[Piece, ...], bool]:
    """The pieces that fit in about `limit` characters (a formula counts its source and is
    never cut; text is cut at a word), and whether anything was left out."""
    kept: list[Piece] = []
    used = 0
    for piece in parts:
        if used + len(piece.text) <= limit:
            kept.append(piece)
            used += len(piece.text)
            continue
        if not piece.formula:
            cut = piece.text[: max(limit - used, 0)]
            cut = cut[: cut.rfind(" ")] if " " in cut else ""
            if cut.strip():
                kept.append(Piece(cut.rstrip(" ,;:")))
        return tuple(kept), True
    return tuple(kept), False


def to_html(tex: str) -> str:
    """`tex` as HTML: escaped text, formulas as MathML (their escaped source when they
    cannot be converted)."""
    return "".join(piece_html(p) for p in pieces(tex))


def piece_html(piece: Piece) -> str:
    if piece.mathml is not None:
        return piece.mathml
    if piece.formula:
        return f'<code class="tex">{escape(piece.text)}</code>'
    return str(escape(piece.text))


@lru_cache(maxsize=4096)
def to_text(tex: str) -> str:
    """`tex` as plain text, for where HTML cannot go (a page title, a feed's title): text
    decoded, formulas approximated in Unicode (`$C^\\infty$` becomes `C^∞`)."""
    return "".join(_formula_text(p.text) if p.formula else p.text for p in pieces(tex)).strip()


def _formula_text(tex: str) -> str:
    return decode_text(_expand(tex))


def _expand(tex: str) -> str:
    """The formula `tex` with the shorthands spelled out and italic corrections dropped."""
    return _SHORTHAND.sub(lambda m: _SHORTHANDS.get(m[1], ""), tex)
