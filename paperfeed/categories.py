"""arXiv category names (pure): checking what people type, and which categories a site's
followed set takes in (`cs.LG` exactly; an archive such as `math` all of `math.*`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from paperfeed.errors import Invalid

_CATEGORY = re.compile(r"[a-z-]+(?:\.[A-Za-z-]+)?")
# arXiv's archives with an announcement feed each: following none of them in particular
# means following all of these.
ARCHIVES = (
    "astro-ph",
    "cond-mat",
    "cs",
    "econ",
    "eess",
    "gr-qc",
    "hep-ex",
    "hep-lat",
    "hep-ph",
    "hep-th",
    "math",
    "math-ph",
    "nlin",
    "nucl-ex",
    "nucl-th",
    "physics",
    "q-bio",
    "q-fin",
    "quant-ph",
    "stat",
)
# Archives arXiv folded into others, still named by the papers filed in them before.
LEGACY_ARCHIVES = (
    "acc-phys",
    "adap-org",
    "alg-geom",
    "ao-sci",
    "atom-ph",
    "bayes-an",
    "chao-dyn",
    "chem-ph",
    "cmp-lg",
    "comp-gas",
    "dg-ga",
    "funct-an",
    "mtrl-th",
    "patt-sol",
    "plasm-ph",
    "q-alg",
    "solv-int",
    "supr-con",
)
MAX_FILTER_CATEGORIES = 20


def validate_categories(categories: Sequence[str]) -> list[str]:
    """Feed names such as `cs.LG` or `math` (separated by spaces, commas or '+'); raise
    Invalid for anything else."""
    out = []
    for c in categories:
        for part in c.replace("+", " ").replace(",", " ").split():
            if not _CATEGORY.fullmatch(part):
                raise Invalid(f"not an arXiv category: {part!r}")
            out.append(part)
    if not out:
        raise Invalid("give at least one category, e.g. cs.LG")
    return out


def follows(followed: Sequence[str], categories: Iterable[str]) -> bool:
    """Whether a paper in `categories` is in the followed set (empty: every paper is)."""
    if not followed:
        return True
    return any(c in followed or c.split(".")[0] in followed for c in categories)


@dataclass(frozen=True, slots=True)
class CategoryFilter:
    """Papers in any of `categories` (an archive such as `math` takes in all of `math.*`):
    listed there at all, or, with `primary`, as their primary category only."""

    categories: tuple[str, ...]
    primary: bool = False

    def within(self, listed_in: str | None = None) -> str:
        """What a heading adds for this filter: " in cs.LG" (" in cs.LG as primary"); for a
        list of the papers `listed_in` a category, ", also in cs.LG" (", primary cs.LG")."""
        names = ", ".join(self.categories)
        if listed_in is None:
            return f" in {names}" + (" as primary" if self.primary else "")
        return f", primary {names}" if self.primary else f", also in {names}"

    def query(self) -> dict[str, str]:
        """The URL parameters that ask for this filter again."""
        out = {"category": ",".join(self.categories)}
        return {**out, "primary": "1"} if self.primary else out


def category_filter(values: Sequence[str], primary: bool = False) -> CategoryFilter | None:
    """What `category=` asks for (repeated, or separated by commas, spaces or '+'): None for
    nothing; Invalid for a name that is not an arXiv category of a known archive."""
    if not any(v.strip() for v in values):
        return None
    names = list(dict.fromkeys(validate_categories(values)))
    if len(names) > MAX_FILTER_CATEGORIES:
        raise Invalid(f"at most {MAX_FILTER_CATEGORIES} categories at once")
    for name in names:
        if len(name) > 32 or name.split(".")[0] not in ARCHIVES + LEGACY_ARCHIVES:
            raise Invalid(f"unknown arXiv category: {name!r} (e.g. cs.LG, hep-th, math)")
    return CategoryFilter(tuple(names), primary)
