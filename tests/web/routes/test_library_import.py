"""/library/import in-process on SQLite and PostgreSQL: a member uploads a Zotero-style BibTeX
export and sees what was added; a file that is no export gets the form again with a message."""

from __future__ import annotations


def test_a_member_imports_a_bibtex_export(site) -> None:  # type: ignore[no-untyped-def]
    ids = site.store.papers.ids()[:2]
    export = "".join(
        f"@misc{{k{i}, title={{T{i}}}, eprint={{{pid}}}, archivePrefix={{arXiv}}}}\n"
        for i, pid in enumerate(ids)
    )
    export += "@book{b, title={Not here}}\n"
    assert site.client.get("/library/import", follow_redirects=False).status_code in (303, 401)
    site.sign_in("reader@example.org")
    csrf = site.csrf("/library/import")
    r = site.client.post(
        "/library/import",
        data={"csrf": csrf, "new_collection": "From Zotero"},
        files={"file": ("My Library.bib", export.encode(), "application/x-bibtex")},
    )
    assert r.status_code == 200, r.text
    assert "3 entries read (bibtex); 2 added to From Zotero" in r.text
    assert "Not here" in r.text
    user = site.store.accounts.by_email("reader@example.org")
    [collection] = site.store.library.collections(user.id)
    assert collection.name == "From Zotero" and set(
        site.store.library.papers_in(collection.id)
    ) == set(ids)
    bad = site.client.post(
        "/library/import",
        data={"csrf": csrf, "collection": "99999"},
        files={"file": ("notes.txt", b"just some notes", "text/plain")},
    )
    assert bad.status_code == 400 and "is not BibTeX, RIS or CSL-JSON" in bad.text
    other = site.client.post(
        "/library/import",
        data={"csrf": csrf, "collection": "99999"},
        files={"file": ("My Library.bib", export.encode(), "application/x-bibtex")},
    )
    assert other.status_code == 400 and "no collection 99999" in other.text


def test_uploads_elsewhere_and_nul_fields_are_refused(site) -> None:  # type: ignore[no-untyped-def]
    site.sign_in("reader@example.org")
    csrf = site.csrf("/library/import")
    elsewhere = site.client.post(
        "/settings/name", data={"csrf": csrf}, files={"file": ("a.bib", b"@misc{a}")}
    )
    assert elsewhere.status_code == 415
    nul = site.client.post(
        "/library/import",
        data={"csrf": csrf, "new_collection": "a\x00b"},
        files={"file": ("a.bib", b"@misc{a, eprint={2401.00001}}")},
    )
    assert nul.status_code == 400 and "NUL" in nul.text
    assert (
        site.store.library.collections(site.store.accounts.by_email("reader@example.org").id) == []
    )
