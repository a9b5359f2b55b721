"""Reading search queries: operators, references, and hostile input that must stay plain text."""

from __future__ import annotations

import pytest

from paperfeed.search.query import MAX_QUERY_CHARS, MAX_TERMS, parse_query


def test_plain_words() -> None:
    q = parse_query("cross entropy")
    assert q.words == ("cross", "entropy")
    assert q.text == "cross entropy"
    assert q.has_terms and not q.is_empty


def test_operators() -> None:
    q = parse_query(
        '"exact phrase" -bad -"no way" author:"Yann LeCun" author:knuth cat:cs.CL year:2020-2024'
    )
    assert q.phrases == ("exact phrase",)
    assert q.excluded_words == ("bad",)
    assert q.excluded_phrases == ("no way",)
    assert q.authors == ("Yann LeCun", "knuth")
    assert q.categories == ("cs.CL",)
    assert (q.year_from, q.year_to) == (2020, 2024)
    assert q.text == "exact phrase"


@pytest.mark.parametrize(
    ("value", "span"),
    [
        ("2024", (2024, 2024)),
        ("2024-2020", (2020, 2024)),
        ("2020..", (2020, None)),
        ("..2019", (None, 2019)),
    ],
)
def test_year_forms(value: str, span: tuple[int | None, int | None]) -> None:
    q = parse_query(f"year:{value} qubits")
    assert (q.year_from, q.year_to) == span


def test_operator_names_ignore_case() -> None:
    q = parse_query("Author:smith CAT:cs.LG")
    assert q.authors == ("smith",) and q.categories == ("cs.LG",)


@pytest.mark.parametrize(
    "text",
    [
        "2410.17243",
        "arXiv:2410.17243v2",
        "https://arxiv.org/abs/2410.17243",
        "https://arxiv.org/pdf/2410.17243v1.pdf",
        "huggingface.co/papers/2410.17243",
        "https://huggingface.co/papers/2410.17243?x=1#y",
    ],
)
def test_references(text: str) -> None:
    q = parse_query(f"{text} transformers")
    assert q.references == ("2410.17243",)
    assert q.words == ("transformers",)


def test_old_style_reference() -> None:
    assert parse_query("hep-th/9901001").references == ("hep-th/9901001",)


@pytest.mark.parametrize(
    "text",
    [
        'a "unbalanced quote',
        "foo:bar (x) [y] {z} \\ / * ? ~ ^ AND OR NOT +must ||",
        "title:(a OR b) AND abstract:[* TO *]",
        "😀🚀 ünïcödé 漢字",
        "\x00\x07 control\ttabs\nnewlines",
        "-",
        '""',
        ":",
        "year:abc",
        "a" * 10_000,
        "word " * 5000,
    ],
)
def test_hostile_input_never_raises(text: str) -> None:
    q = parse_query(text)
    assert len(q.text) <= MAX_QUERY_CHARS
    assert len(q.words) <= MAX_QUERY_CHARS // 2


def test_unknown_field_stays_text() -> None:
    q = parse_query("foo:bar title:x")
    assert q.words == ("foo:bar", "title:x")
    assert not q.authors and not q.categories


def test_bad_year_is_a_note_not_an_error() -> None:
    q = parse_query("year:abc qubits")
    assert q.words == ("qubits",)
    assert q.year_from is None
    assert any("year:abc" in n for n in q.notes)


def test_long_query_is_cut_at_its_length_not_its_words() -> None:
    q = parse_query("word " * 5000)
    assert len(q.text) <= MAX_QUERY_CHARS and len(q.words) == MAX_QUERY_CHARS // 5
    # The keyword index then ranks with the weightiest MAX_TERMS distinct terms.
    assert len(parse_query(" ".join(f"w{i}" for i in range(200))).words) == 200
    assert MAX_TERMS == 64


def test_empty() -> None:
    assert parse_query("").is_empty
    assert parse_query("   ").is_empty
    assert not parse_query("cat:cs.CL").has_terms
    assert not parse_query("cat:cs.CL").is_empty
