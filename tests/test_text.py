"""Text as sources write it, cleaned (pure): LaTeX accents decoded, white space collapsed."""

import pytest

from paperfeed.text import clip, collapse_space, decode_latex_accents, one_line


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


@pytest.mark.parametrize(
    ("typed", "line"),
    [
        ("  memory \t\n barrier  ", "memory barrier"),
        ("memory\x00barrier", "memory barrier"),
        ("a\u202eb\ufffec\x08d", "a b c d"),
        ("Schrödinger 漢字 😀", "Schrödinger 漢字 😀"),
        ("\x00\x01", ""),
    ],
)
def test_one_line_keeps_what_prints(typed: str, line: str) -> None:
    assert one_line(typed) == line


def test_clip_cuts_at_a_words_end_without_hanging_punctuation() -> None:
    title = "Autoregressive, Diffusion and Flow Models: A Survey"
    assert clip(title, 100) == title
    assert clip(title, 20) == "Autoregressive…"
    assert clip(title, 29) == "Autoregressive, Diffusion…"
    assert clip(title, 30) == "Autoregressive, Diffusion and…"
    assert len(clip(title, 30)) <= 30
    assert clip("Supercalifragilistic", 10) == "Supercali…"  # one long word: cut in it
    assert clip("a  b\n c", 10) == "a b c"
