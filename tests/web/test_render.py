"""User text as safe HTML (pure): comments' Markdown loses scripts, handlers and javascript:
links and keeps the allowed tags; search highlights escape the text and mark whole words."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from paperfeed.web.render import highlight, markdown

REL = 'rel="nofollow noopener ugc"'


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"),
        ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"),
        (
            '<a href="https://e.example" onclick="x()">y</a>',
            '<p>&lt;a href="https://e.example" onclick="x()"&gt;y&lt;/a&gt;</p>\n',
        ),
        ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>\n"),
        ("[x](JaVaScRiPt:alert(1))", "<p>[x](JaVaScRiPt:alert(1))</p>\n"),
        ("[x](java&#x73;cript:alert(1))", "<p>[x](javascript:alert(1))</p>\n"),
        ("[x](vbscript:msgbox(1))", "<p>[x](vbscript:msgbox(1))</p>\n"),
        (
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "<p>[x](data:text/html;base64,PHNjcmlwdD4=)</p>\n",
        ),
        ("<javascript:alert(1)>", "<p>&lt;javascript:alert(1)&gt;</p>\n"),
        ("[x](ftp://files.example/f)", f"<p><a {REL}>x</a></p>\n"),  # scheme not allowed
        ("![chart](https://img.example/a.png)", "<p></p>\n"),  # no images
        ("x <!-- hidden -->", "<p>x &lt;!-- hidden --&gt;</p>\n"),
    ],
)
def test_markdown_sanitises(text: str, html: str) -> None:
    assert markdown(text) == Markup(html)


@pytest.mark.parametrize(
    ("text", "html"),
    [
        (
            "**b** *i* ~~s~~ `c <b>`",
            "<p><strong>b</strong> <em>i</em> <s>s</s> <code>c &lt;b&gt;</code></p>\n",
        ),
        (
            '[ok](https://example.org/a?b=1&c=2 "T")',
            f'<p><a href="https://example.org/a?b=1&amp;c=2" title="T" {REL}>ok</a></p>\n',
        ),
        ("[m](mailto:ada@example.org)", f'<p><a href="mailto:ada@example.org" {REL}>m</a></p>\n'),
        ("[p](/papers/2611.00001)", f'<p><a href="/papers/2611.00001" {REL}>p</a></p>\n'),
        (
            "<https://example.org>",
            f'<p><a href="https://example.org" {REL}>https://example.org</a></p>\n',
        ),
        ("a  \nb", "<p>a<br>\nb</p>\n"),
        (
            "# H\n\n## H2\n\n> q\n\n- a\n- b\n\n1. x\n\n---\n\n```\ncode <b>\n```",
            "<h1>H</h1>\n<h2>H2</h2>\n<blockquote>\n<p>q</p>\n</blockquote>\n"
            "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol>\n<li>x</li>\n</ol>\n<hr>\n"
            "<pre><code>code &lt;b&gt;\n</code></pre>\n",
        ),
        ("###### h6", "h6\n"),  # h5 and h6 are not allowed: their text stays
        ("<b>bold</b> & 1 < 2", "<p>&lt;b&gt;bold&lt;/b&gt; &amp; 1 &lt; 2</p>\n"),
    ],
)
def test_markdown_keeps_allowed_tags(text: str, html: str) -> None:
    assert markdown(text) == Markup(html)


def test_markdown_is_markup() -> None:
    assert isinstance(markdown("x"), Markup)


@pytest.mark.parametrize(
    ("text", "terms", "html"),
    [
        (
            "Surface codes & <b>decoders</b> decode",
            ["code", "decod"],
            "Surface <mark>codes</mark> &amp; &lt;b&gt;<mark>decoders</mark>&lt;/b&gt; "
            "<mark>decode</mark>",
        ),
        # A term marks words that begin with it, never one inside another word.
        (
            "Decoder of the code, CODES, encode",
            ["code"],
            "Decoder of the <mark>code</mark>, <mark>CODES</mark>, encode",
        ),
        ("quantum quant", ["quant", "quantum"], "<mark>quantum</mark> <mark>quant</mark>"),
        ("C++ and c", ["c++"], "<mark>C++</mark> and c"),
        ("Schrödinger\u2019s équation", ["équation"], "Schrödinger\u2019s <mark>équation</mark>"),
        ("a.b (x) y", ["(x)"], "a.b <mark>(x)</mark> y"),
        ("x < y", [], "x &lt; y"),
        ("x < y", [" ", ""], "x &lt; y"),
        (
            "\"quoted\" & 'single'",
            ["quoted"],
            "&#34;<mark>quoted</mark>&#34; &amp; &#39;single&#39;",
        ),
    ],
)
def test_highlight(text: str, terms: list[str], html: str) -> None:
    assert highlight(text, terms) == Markup(html)


def test_highlight_terms_are_text_not_patterns() -> None:
    assert highlight("a.c abc", ["a.c"]) == Markup("<mark>a.c</mark> abc")
    assert highlight("<b>", ["<b>"]) == Markup("<mark>&lt;b&gt;</mark>")


def test_a_comment_is_rendered_once_while_it_is_shown_again_and_again() -> None:
    text = "A *repeated* comment, shown on every view of its paper."
    first = markdown(text)
    hits = markdown.cache_info().hits
    assert (
        markdown(text)
        == first
        == Markup("<p>A <em>repeated</em> comment, shown on every view of its paper.</p>\n")
    )
    assert markdown.cache_info().hits == hits + 1
