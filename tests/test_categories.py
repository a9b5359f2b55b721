"""arXiv category names and a site's followed set (pure)."""

from __future__ import annotations

import pytest

from paperfeed.categories import CategoryFilter, category_filter, follows, validate_categories
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


def test_a_category_filter_takes_several_names_and_refuses_unknown_ones() -> None:
    assert category_filter([]) is None
    assert category_filter(["", " "], primary=True) is None
    assert category_filter(["hep-th,gr-qc", "hep-th", "math"]) == CategoryFilter(
        ("hep-th", "gr-qc", "math")
    )
    wanted = category_filter(["cs.LG"], primary=True)
    assert wanted == CategoryFilter(("cs.LG",), True)
    assert wanted.query() == {"category": "cs.LG", "primary": "1"}
    assert category_filter(["alg-geom"]) == CategoryFilter(("alg-geom",))
    for bad, message in (
        (["hep-tx"], "unknown arXiv category: 'hep-tx'"),
        (["foo.BAR"], "unknown arXiv category"),
        (["cs.LG;x"], "not an arXiv category"),
        (["math." + "A" * 40], "unknown arXiv category"),
        ([",".join(f"math.{chr(65 + i)}" for i in range(21))], "at most 20"),
    ):
        with pytest.raises(Invalid, match=message):
            category_filter(bad)


def test_within_says_what_a_heading_adds() -> None:
    both = CategoryFilter(("cs.LG", "stat.ML"))
    assert both.within() == " in cs.LG, stat.ML"
    assert CategoryFilter(("math",), primary=True).within() == " in math as primary"
    assert both.within("cs.CL") == ", also in cs.LG, stat.ML"
    assert CategoryFilter(("cs.LG",), primary=True).within("cs.CL") == ", primary cs.LG"
