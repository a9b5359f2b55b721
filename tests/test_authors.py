"""Author lists as arXiv writes them, parsed (pure): names, affiliations in parentheses,
numbered affiliations, `et al`, and stray parentheses."""

from paperfeed.authors import parse_authors
from paperfeed.models import Author


def test_authors_with_affiliations() -> None:
    assert parse_authors("V. M. Biryukov (Serpukhov, IHEP)") == (
        Author("V. M. Biryukov", ("Serpukhov, IHEP",)),
    )
    assert parse_authors("A. Esteban-Pretel, R. Tom\\`as and J. W. F. Valle") == (
        Author("A. Esteban-Pretel"),
        Author("R. Tomàs"),
        Author("J. W. F. Valle"),
    )


def test_numbered_affiliations() -> None:
    text = (
        "A. S. Mishchenko (1 and 2) and N. Nagaosa (1 and 3) ((1) CREST, Japan\n"
        "  Science and Technology Agency, (2) Russian Research Centre, (3) The University of Tokyo)"
    )
    assert parse_authors(text) == (
        Author(
            "A. S. Mishchenko",
            ("CREST, Japan Science and Technology Agency", "Russian Research Centre"),
        ),
        Author(
            "N. Nagaosa", ("CREST, Japan Science and Technology Agency", "The University of Tokyo")
        ),
    )


def test_et_al_is_not_an_author() -> None:
    assert parse_authors("The BABAR Collaboration, B. Aubert, et al") == (
        Author("The BABAR Collaboration"),
        Author("B. Aubert"),
    )


def test_unbalanced_parenthesis_does_not_lose_authors() -> None:
    assert [a.name for a in parse_authors("A. One (MIT, B. Two")] == ["A. One"]
    assert parse_authors("") == ()


def test_nested_and_stray_parentheses() -> None:
    assert parse_authors("A. One (MIT (CSAIL)), B. Two) and C. Three (Oxford") == (
        Author("A. One", ("MIT (CSAIL)",)),
        Author("B. Two)"),
        Author("C. Three", ("Oxford",)),
    )
    assert parse_authors("A (1, 2), B (2) ((1) Place, (2) Other (Dept))") == (
        Author("A", ("Place", "Other (Dept)")),
        Author("B", ("Other (Dept)",)),
    )
    assert parse_authors("A. One (MIT) and (Harvard), B. Two") == (
        Author("A. One", ("MIT", "Harvard")),
        Author("B. Two"),
    )
