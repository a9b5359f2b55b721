"""arXiv category names and a site's followed set (pure)."""

from __future__ import annotations

import pytest

from paperfeed.categories import follows, validate_categories
from paperfeed.errors import Invalid


def test_names_are_split_and_checked() -> None:
    assert validate_categories(["cs.LG, math", "quant-ph+hep-th"]) == [
        "cs.LG",
        "math",
        "quant-ph",
        "hep-th",
    ]
    for bad in (["CS.lg"], ["cs.LG;drop"], [""], ["é"]):
        with pytest.raises(Invalid):
            validate_categories(bad)


def test_an_archive_follows_all_its_categories() -> None:
    assert follows((), ["anything"])
    assert follows(("math",), ["math.AG"])
    assert not follows(("math",), ["math-ph"])
    assert follows(("cs.LG",), ["stat.ML", "cs.LG"])
    assert not follows(("cs.LG",), ["cs.CL"])
    assert not follows(("cs.LG",), [])
