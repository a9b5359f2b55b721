"""Text analysis shared by indexing and querying, so a query's terms are the index's terms.

English text is analysed the way Lucene's EnglishAnalyzer does it (split on non-alphanumerics,
lowercase, English stop words, Porter stemming): on CACM this gave MAP 0.329 where tantivy's
own `en_stem` gave 0.279. Without stemming, or keeping stop words, nDCG@10 is lower on CACM,
CISI and SciFact-train alike (docs/tuning-keyword.md). Author names are lowercased and
accent-folded but never stemmed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import tantivy

TEXT = "en_lucene"
NAMES = "names"
CATEGORIES = "categories"

# Lucene's English stop set (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET), plus the "s" that the
# tokenizer leaves behind from possessives ("Shannon's"), which Lucene strips with a filter.
STOP_WORDS = [
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "but",
    "by",
    "for",
    "if",
    "in",
    "into",
    "is",
    "it",
    "no",
    "not",
    "of",
    "on",
    "or",
    "such",
    "that",
    "the",
    "their",
    "then",
    "there",
    "these",
    "they",
    "this",
    "to",
    "was",
    "will",
    "with",
    "s",
]

_NON_WORD = re.compile(r"[^\w]+")
# For an ASCII title: letters lowercased, digits kept, every other byte (the underscore too)
# a space. A bytes table: str.translate with a dict took three times as long.
_ASCII_KEY = bytes(ord(chr(c).lower()) if chr(c).isalnum() else 32 for c in range(128)).ljust(
    256, b" "
)


@dataclass(frozen=True, slots=True)
class TextAnalysis:
    """How English text becomes index terms: Porter stemming and Lucene's stop words, each
    of which can be left out (bench/tune_keyword.py compares them). The same choice must
    analyse the documents and the queries, so an index records it (keyword_index.py)."""

    stem: bool = True
    stop_words: bool = True

    @property
    def tokenizer_name(self) -> str:
        """The name the analyzer is registered under: the default keeps the name indexes
        were always built with, another choice gets a name of its own, so that tantivy's
        schema also tells the variants apart."""
        suffix = ("" if self.stem else "_nostem") + ("" if self.stop_words else "_nostop")
        return TEXT + suffix

    @property
    def removed(self) -> Sequence[str]:
        """The words this analysis leaves out of the index."""
        return STOP_WORDS if self.stop_words else ()

    def analyzer(self) -> tantivy.TextAnalyzer:
        """This analysis, built once."""
        return _text(self.stem, self.stop_words)

    def terms(self, text: str) -> list[str]:
        """The index terms of English text, in order (duplicates kept)."""
        return list(self.analyzer().analyze(text))


DEFAULT_TEXT = TextAnalysis()


def text_analyzer(stem: bool = True, stop_words: bool = True) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
    )
    if stop_words:
        builder = builder.filter(tantivy.Filter.custom_stopword(STOP_WORDS))
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


def names_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def categories_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.lowercase())
        .build()
    )


def register(index: tantivy.Index, text: TextAnalysis = DEFAULT_TEXT) -> None:
    """Make the analyzers known to an index (tantivy keeps them per open index)."""
    index.register_tokenizer(text.tokenizer_name, text_analyzer(text.stem, text.stop_words))
    index.register_tokenizer(NAMES, names_analyzer())
    index.register_tokenizer(CATEGORIES, categories_analyzer())


@lru_cache(maxsize=4)
def _text(stem: bool, stop_words: bool) -> tantivy.TextAnalyzer:
    return text_analyzer(stem, stop_words)


@lru_cache(maxsize=1)
def _names() -> tantivy.TextAnalyzer:
    return names_analyzer()


def text_analyzer_cached() -> tantivy.TextAnalyzer:
    """The default English analyzer (built once)."""
    return DEFAULT_TEXT.analyzer()


def text_terms(text: str) -> list[str]:
    """The index terms of English text under the default analysis, in order (duplicates
    kept)."""
    return DEFAULT_TEXT.terms(text)


def name_terms(text: str) -> list[str]:
    return list(_names().analyze(text))


def title_key(title: str) -> str:
    """A title reduced to its words, for exact-title lookups: case, accents and punctuation
    do not matter ("Attention Is All You Need." == "attention is all you need")."""
    if title.isascii():
        # Nearly every arXiv title (TeX spells accents out): nothing to decompose, and `\w`
        # is [A-Za-z0-9_] there, so one table does what the general path does per character
        # (which was 14% of building the keyword index).
        return " ".join(title.encode().translate(_ASCII_KEY).decode().split())
    folded = unicodedata.normalize("NFKD", title.casefold())
    if not folded.isascii():
        folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", folded).replace("_", " ").split())
