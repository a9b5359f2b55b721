"""The Jinja2 environment: compiled templates kept, autoescaping on, shared helpers."""

from __future__ import annotations

from paperfeed.models import Author, Paper
from paperfeed.web.templating import authors_line, templates


def test_compiled_templates_are_kept_without_checking_files() -> None:
    env = templates.env
    assert env.auto_reload is False
    first = env.get_template("base.html")
    assert env.get_template("base.html") is first


def test_autoescaping_is_on() -> None:
    rendered = templates.env.from_string("{{ text }}").render(text="<script>x</script>")
    assert rendered == "&lt;script&gt;x&lt;/script&gt;"


def test_authors_line_names_three_then_counts() -> None:
    def paper(n: int) -> Paper:
        return Paper(
            arxiv_id="2401.00001",
            title="t",
            authors=tuple(Author(name=f"A{i}") for i in range(n)),
        )

    assert authors_line(paper(3)) == "A0, A1, A2"
    assert authors_line(paper(5)) == "A0, A1, A2 and 2 more"
