"""A paper's page as Markdown: `/papers/{id}.md` and `Accept: text/markdown`, on the demo, and
the Markdown itself from values."""

from __future__ import annotations

from datetime import date, datetime

from web_site import Site

from paperfeed.feed.claims import claim_authorship
from paperfeed.models import Author, HfFields, ListedPaper, Paper
from paperfeed.web.routes.markdown import paper_as_markdown

ID = "2606.07297"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_md_path_and_accept_header(site: Site) -> None:
    r = site.client.get(f"/papers/{ID}.md")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/markdown; charset=utf-8"
    assert r.headers["vary"] == "Accept"
    text = r.text
    assert text.startswith("# SWE-Explore: Benchmarking How Coding Agents Explore Repositories\n")
    assert "**Authors:** Shaoqiu Zhang, Yuhang Wang," in text
    assert f"- arXiv: https://arxiv.org/abs/{ID}\n- PDF: https://arxiv.org/pdf/{ID}" in text
    assert "## Abstract\n\nRepository-level coding benchmarks such as SWE-bench" in text
    assert "- Upvotes: 90\n- Comments: 1\n- Submitted by: Yuling (YerbaPage)" in text
    assert "- Submitted on: 2026-06-09" in text
    assert "## AI summary\n\nSWE-Explore introduces a benchmark" in text
    asked = site.client.get(f"/papers/{ID}", headers={"Accept": "text/markdown"})
    assert asked.text == text
    assert site.client.get(f"/papers/{ID}v1.md").text == text  # a version: the paper
    for accept in (BROWSER, "text/html, text/markdown", "*/*"):
        page = site.client.get(f"/papers/{ID}", headers={"Accept": accept})
        assert page.headers["content-type"].startswith("text/html"), accept


def test_the_paper_page_links_its_markdown(site: Site) -> None:
    page = site.client.get(f"/papers/{ID}").text
    head = page[: page.index("</head>")]
    link = (
        '<link rel="alternate" type="text/markdown" title="This paper as Markdown" '
        f'href="/papers/{ID}.md">'
    )
    assert link in head
    body = page[page.index("</head>") :]
    visible = f'<a href="/papers/{ID}.md" type="text/markdown">This paper as Markdown</a>'
    assert visible in body
    r = site.client.get(f"/papers/{ID}.md")
    assert r.status_code == 200 and r.headers["content-type"] == "text/markdown; charset=utf-8"


def test_what_is_not_a_paper(site: Site) -> None:
    assert site.client.get("/papers/2606.99999.md").status_code == 404
    assert site.client.get("/papers/not-an-id.md").status_code == 400
    markdown = {"Accept": "text/markdown"}
    # Other routes under /papers/ stay theirs.
    submit = site.client.get("/papers/submit", headers=markdown, follow_redirects=False)
    assert not submit.headers.get("content-type", "").startswith("text/markdown")
    thumbnail = site.client.get(f"/papers/{ID}/thumbnail", headers=markdown)
    assert not thumbnail.headers["content-type"].startswith("text/markdown")


def test_votes_and_comments_here_count(site: Site) -> None:
    user = site.store.accounts.ensure_user("ada@example.org")
    site.store.votes.cast(user.id, ID, True)
    site.store.comments.add(ID, user.id, "Useful.")
    text = site.client.get(f"/papers/{ID}.md").text
    assert "- Upvotes: 91\n- Comments: 2\n" in text


def test_markdown_of_a_paper_hf_never_had() -> None:
    paper = Paper(
        arxiv_id="2611.00001",
        title="Surface codes\n at scale",
        abstract="We decode $d=5$.",
        authors=(Author("Ada Lovelace"), Author("Émile Zola")),
        published=datetime(2026, 11, 24, 9),
        code_url="https://github.com/ada/codes",
        project_url="https://ada.example/codes",
    )
    item = ListedPaper(paper, date(2026, 11, 25), upvotes=3, num_comments=1, submitted_by="ada")
    assert paper_as_markdown(item) == (
        "# Surface codes at scale\n\n"
        "**Authors:** Ada Lovelace, Émile Zola\n\n"
        "## Links\n\n"
        "- arXiv: https://arxiv.org/abs/2611.00001\n"
        "- PDF: https://arxiv.org/pdf/2611.00001\n"
        "- Code: https://github.com/ada/codes\n"
        "- Project page: https://ada.example/codes\n\n"
        "## Abstract\n\nWe decode $d=5$.\n\n"
        "## Community\n\n"
        "- Upvotes: 3\n- Comments: 1\n- Submitted by: ada\n"
        "- Submitted on: 2026-11-25\n- Published on arXiv: 2026-11-24\n"
    )
    hf = HfFields("2611.00001", {"paper": {"githubStars": 7, "ai_keywords": ["decoding"]}}, 4)
    text = paper_as_markdown(item, hf)
    assert "- Code: https://github.com/ada/codes (7 stars)\n" in text
    assert "- Comments: 5\n" in text and text.endswith("**Keywords:** decoding\n")


def test_a_verified_author_is_named_with_their_member(site: Site) -> None:
    store = site.store
    admin = store.accounts.ensure_user("ada@example.org", role="admin")
    claim_authorship(store, ID, 1, admin)  # an admin's own claim is verified at once
    pending = store.accounts.ensure_user("grace@example.org")
    claim_authorship(store, ID, 2, pending)
    text = site.client.get(f"/papers/{ID}.md").text
    authors = text.split("**Authors:** ", 1)[1].split("\n", 1)[0].split(", ")
    assert authors[1].endswith(f" (@{admin.name})")
    assert "(@" not in authors[0] and "(@" not in authors[2]  # pending: not shown
