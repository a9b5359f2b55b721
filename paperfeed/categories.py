"""arXiv category names (pure): checking what people type, and which categories a site's
followed set takes in (`cs.LG` exactly; an archive such as `math` all of `math.*`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

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
