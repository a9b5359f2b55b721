"""Input checks at the edge (pure): comment bodies, display names, where to go after signing in
(never another site), category and author names from URLs, and the digest form's fields."""

from __future__ import annotations

import re

import pytest

from paperfeed.errors import Invalid
from paperfeed.models import SubscriptionContent
from paperfeed.web.forms import (
    MAX_COMMENT,
    author_name,
    category_name,
    comment_body,
    digest_content,
    digest_form,
    display_name,
    github_repo,
    link_url,
    prefilled_content,
    safe_next,
)

NAME_RULE = (
    "names are 3 to 40 characters: lowercase letters, digits, '-' and '_', "
    "starting and ending with a letter or digit"
)


def test_comment_body_is_trimmed() -> None:
    assert comment_body("  **Nice** result.\n\n") == "**Nice** result."
    assert comment_body(" " + "x" * MAX_COMMENT + "\n") == "x" * MAX_COMMENT
    assert MAX_COMMENT == 10_000


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "the comment is empty"),
        (" \n\t ", "the comment is empty"),
        ("x" * 10_001, "comments are limited to 10000 characters"),
    ],
)
def test_comment_body_refused(body: str, message: str) -> None:
    with pytest.raises(Invalid, match=f"^{message}$"):
        comment_body(body)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("ada", "ada"),
        ("  Ada_Lovelace-1815 ", "ada_lovelace-1815"),
        ("a--b", "a--b"),
        ("007", "007"),
        ("a" * 40, "a" * 40),
    ],
)
def test_display_name(text: str, name: str) -> None:
    assert display_name(text) == name


@pytest.mark.parametrize(
    "text",
    ["", "ab", "a" * 41, "-ada", "ada-", "_ada", "ada_", "ada lovelace", "émile", "ada.l", "a<b>c"],
)
def test_display_name_refused(text: str) -> None:
    with pytest.raises(Invalid, match=f"^{re.escape(NAME_RULE)}$"):
        display_name(text)


@pytest.mark.parametrize(
    "target",
    ["/", "/papers/hep-th/9901001", "/papers?q=a+b&mode=keyword#results", "/settings"],
)
def test_safe_next_keeps_same_site_paths(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\\/evil.example",
        "/papers\\..\\..\\evil",
        "https://evil.example",
        "http:/evil.example",
        "HTTPS://evil.example/",
        "javascript:alert(1)",
        "evil.example",
        " /papers",
        "papers",
    ],
)
def test_safe_next_sends_anything_else_home(target: str | None) -> None:
    assert safe_next(target) == "/"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example"])
def test_safe_next_refuses_what_browsers_read_as_another_site(target: str) -> None:
    assert safe_next(target) == "/"


def test_category_name_is_checked_loosely() -> None:
    assert category_name("cs.LG") == "cs.LG"
    assert category_name("no-such-category") == "no-such-category"
    assert category_name("c" * 32) == "c" * 32
    for bad in ("", "c" * 33):
        with pytest.raises(Invalid, match=r"^that is not an arXiv category$"):
            category_name(bad)


def test_author_name() -> None:
    assert author_name("Émile Zola") == "Émile Zola"
    assert author_name("a" * 200) == "a" * 200
    with pytest.raises(Invalid, match=r"^give an author's name$"):
        author_name("")
    with pytest.raises(Invalid, match=r"^that author name is too long$"):
        author_name("a" * 201)


def test_digest_content_defaults() -> None:
    assert digest_content() == SubscriptionContent(
        period="daily", send_hour=6, top_n=0, min_upvotes=0
    )


def test_digest_content_splits_lines_and_words() -> None:
    content = digest_content(
        period="weekly",
        send_hour=7,
        top_n=5,
        min_upvotes=1,
        queries="  surface codes \r\n\n magic states\n ",
        categories="cs.LG, quant-ph,,  hep-th\ncond-mat.stat-mech",
        authors="Ada Lovelace\n\n  Émile Zola ",
    )
    assert content == SubscriptionContent(
        period="weekly",
        send_hour=7,
        top_n=5,
        min_upvotes=1,
        queries=("surface codes", "magic states"),
        categories=("cs.LG", "quant-ph", "hep-th", "cond-mat.stat-mech"),
        authors=("Ada Lovelace", "Émile Zola"),
    )


def test_digest_form_fills_the_form_that_digest_content_reads() -> None:
    content = SubscriptionContent(
        period="weekly",
        send_hour=23,
        top_n=3,
        min_upvotes=2,
        queries=("surface codes", "magic states"),
        categories=("cs.LG", "quant-ph"),
        authors=("Ada Lovelace",),
    )
    form = digest_form(content, "ada@example.org")
    assert form == {
        "email": "ada@example.org",
        "period": "weekly",
        "send_hour": 23,
        "top_n": 3,
        "min_upvotes": 2,
        "queries": "surface codes\nmagic states",
        "categories": "cs.LG quant-ph",
        "authors": "Ada Lovelace",
    }
    fields = {k: v for k, v in form.items() if k != "email"}
    assert digest_content(**fields) == content  # type: ignore[arg-type]
    assert digest_form(SubscriptionContent())["email"] == ""


@pytest.mark.parametrize(
    ("args", "content"),
    [
        (
            ("surface codes", "", "", "weekly", 10),
            SubscriptionContent(period="weekly", queries=("surface codes",)),
        ),
        (
            ("", "cs.LG quant-ph", "", "daily", 10),
            SubscriptionContent(categories=("cs.LG", "quant-ph")),
        ),
        (("", "", "Ada Lovelace", "", 10), SubscriptionContent(authors=("Ada Lovelace",))),
        # Nothing asked for: the top trending papers; an unknown period: daily.
        (("", "", "", "monthly", 10), SubscriptionContent(top_n=10)),
        (("", "", "", "weekly", 5), SubscriptionContent(period="weekly", top_n=5)),
    ],
)
def test_prefilled_content(
    args: tuple[str, str, str, str, int], content: SubscriptionContent
) -> None:
    assert prefilled_content(*args) == content


def test_prefilled_content_cuts_what_a_link_carries() -> None:
    content = prefilled_content("q" * 600, "c" * 300, "a" * 300, "daily", 10)
    assert content.queries == ("q" * 500,)
    assert content.categories == ("c" * 200,)
    assert content.authors == ("a" * 200,)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://github.com/owner/repo", "https://github.com/owner/repo"),
        (" https://GitHub.com/Owner/re.po.git ", "https://github.com/Owner/re.po"),
        ("https://www.github.com/o/r/", "https://github.com/o/r"),
        ("", None),
        (None, None),
    ],
)
def test_github_repo(text: str | None, expected: str | None) -> None:
    assert github_repo(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "http://github.com/o/r",
        "https://gitlab.com/o/r",
        "https://github.com/o",
        "https://github.com/o/r/issues",
        "https://github.com/o/..",
        "https://github.com/-o/r",
        "github.com/o/r",
    ],
)
def test_github_repo_refuses(text: str) -> None:
    with pytest.raises(Invalid, match=r"^githubRepo: "):
        github_repo(text)


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "http://example.org",
        "https://user:pw@example.org",
        "https://[::1",
        "https://example.org/a b",
        "https://example.org/a\u2028b",
        "https://",
        "https://example.org/" + "a" * 10_000,
    ],
)
def test_link_url_refuses(text: str) -> None:
    with pytest.raises(Invalid, match=r"^projectPage: "):
        link_url(text, "projectPage")


def test_link_url_keeps_an_https_url_and_empty_clears() -> None:
    assert link_url(" https://example.org/p?q=1#x ", "p") == "https://example.org/p?q=1#x"
    assert link_url("  ", "p") is None
