import pytest

from paperfeed.authors import parse_authors
from paperfeed.models import Author
from paperfeed.text import collapse_space, decode_latex_accents


@pytest.mark.parametrize(
    ("latex", "unicode"),
    [
        ("C. Bal\\'azs", "C. Balázs"),
        ("Mikkel {\\O}bro", "Mikkel Øbro"),
        ("Rastislav \\v{S}r\\'amek", "Rastislav Šrámek"),
        ("Bro\\v{n}a Brejov\\'a", "Broňa Brejová"),
        ("R. Tom\\`as", "R. Tomàs"),
        ('{\\"O}zg\\"ur', "Özgür"),
        ("Fran\\c{c}ois", "François"),
        ("Fran\\c cois", "François"),
        ("Erd\\H{o}s", "Erdős"),
        ("Ji\\v{r}\\'{\\i}", "Jiří"),
        ("Ma{\\l}gorzata", "Małgorzata"),
        ("\\'{E}cole", "École"),
        ("P\\'eter E. Frenkel", "Péter E. Frenkel"),
        ("plain", "plain"),
    ],
)
def test_decode_latex_accents(latex: str, unicode: str) -> None:
    assert decode_latex_accents(latex) == unicode


def test_math_is_left_alone() -> None:
    assert decode_latex_accents("$\\alpha$ and $x^{2}$") == "$\\alpha$ and $x^{2}$"


def test_collapse_space() -> None:
    assert collapse_space("  Calculation of prompt\n  diphoton  production \n") == (
        "Calculation of prompt diphoton production"
    )


@pytest.mark.parametrize(
    "text",
    [
        "already clean",
        "line\nbreaks\nonly",
        "\n leading and trailing \n",
        "tab\there",
        "crlf\r\nline",
        "no-break\xa0space",
        "em\u2003space and\u3000ideographic",
        "line\u2028separator",
        "zero\u200bwidth stays",
        "soft\xadhyphen stays",
        " ",
        "",
        "\n\n",
    ],
)
def test_collapse_space_matches_split_and_join(text: str) -> None:
    assert collapse_space(text) == " ".join(text.split())


def test_every_white_space_but_space_is_unprintable() -> None:
    # collapse_space's fast path relies on str.isprintable() rejecting all other white space.
    spaces = [c for c in map(chr, range(0x110000)) if c.isspace() and c != " "]
    assert spaces and not any(c.isprintable() for c in spaces)


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
