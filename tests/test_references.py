"""Reading reference managers' exports (pure): paperfeed's own BibTeX, RIS and CSL-JSON of the
real Kaggle head read back to the same arXiv ids and DOIs, entries as Zotero writes them, and
files that are none of these refused with a message."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import pytest

from paperfeed.citation import bibtex, csl_json, ris
from paperfeed.errors import Invalid
from paperfeed.ingest.kaggle import read_kaggle
from paperfeed.ingest.records import Record
from paperfeed.models import Paper
from paperfeed.references import read_references

KAGGLE = "arxiv/kaggle-snapshot/arxiv-metadata-oai-snapshot.head.jsonl"


def _kaggle(data_dir: Path) -> list[Paper]:
    with (data_dir / KAGGLE).open("rb") as fh:
        items = list(islice(read_kaggle(fh, KAGGLE), 200))
    return [i.paper for i in items if isinstance(i, Record) and i.paper is not None]


@pytest.mark.parametrize(
    ("write", "name", "kind"),
    [(bibtex, "x.bib", "bibtex"), (ris, "x.ris", "ris"), (csl_json, "x.json", "csl-json")],
)
def test_our_own_exports_read_back_to_the_same_papers(
    data_dir: Path, write, name: str, kind: str
) -> None:  # type: ignore[no-untyped-def]
    papers = _kaggle(data_dir)
    found_kind, refs = read_references(write(papers).encode(), name)
    assert found_kind == kind
    assert [r.arxiv_id for r in refs] == [p.arxiv_id for p in papers]
    # A Kaggle record may name two DOIs ("10.1364/A 10.1364/B"): the first is read.
    with_doi = {p.arxiv_id: p.doi.split()[0].lower() for p in papers if p.doi}
    assert with_doi and all(r.doi == with_doi[r.arxiv_id] for r in refs if r.arxiv_id in with_doi)
    assert all(r.title for r in refs)


ZOTERO_BIB = """
@misc{vaswani_attention_2023,
	title = {Attention {Is} {All} {You} {Need}},
	url = {http://arxiv.org/abs/1706.03762},
	doi = {10.48550/arXiv.1706.03762},
	publisher = {arXiv},
	author = {Vaswani, Ashish and Shazeer, Noam},
	year = {2023},
	note = {arXiv:1706.03762 [cs]},
}
@article{smith_protein_2020,
	title = {A protein study},
	journal = {Nature},
	doi = {10.1038/S41586-020-2649-2},
}
@book{knuth_art, title = {The Art of Computer Programming}}
"""

ZOTERO_RIS = """TY  - PREPRINT
TI  - Old style paper
AU  - Doe, Jane
UR  - http://arxiv.org/abs/hep-th/9901001v2
N1  - arXiv:hep-th/9901001
ER  -

TY  - JOUR
TI  - With a DOI URL
UR  - https://doi.org/10.1103/PhysRevLett.1.1
ER  -
"""

ZOTERO_CSL = """[
 {"id": "a", "type": "article", "title": "Preprint", "number": "arXiv:2401.00001",
  "URL": "http://arxiv.org/abs/2401.00001v3"},
 {"id": "b", "type": "article-journal", "title": "Journal paper", "DOI": "10.1000/XYZ"}
]"""


def test_zotero_exports_name_their_arxiv_ids_and_dois() -> None:
    kind, refs = read_references(ZOTERO_BIB.encode(), "My Library.bib")
    assert kind == "bibtex"
    assert [(r.arxiv_id, r.doi) for r in refs] == [
        ("1706.03762", "10.48550/arxiv.1706.03762"),
        (None, "10.1038/s41586-020-2649-2"),
        (None, None),
    ]
    assert refs[0].title == "Attention Is All You Need" and refs[2].position == 3
    kind, refs = read_references(ZOTERO_RIS.encode(), "export.ris")
    assert kind == "ris"
    assert [(r.arxiv_id, r.doi) for r in refs] == [
        ("hep-th/9901001", None),
        (None, "10.1103/physrevlett.1.1"),
    ]
    kind, refs = read_references(ZOTERO_CSL.encode("utf-8-sig"), "export.json")
    assert kind == "csl-json"
    assert [(r.arxiv_id, r.doi) for r in refs] == [("2401.00001", None), (None, "10.1000/xyz")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b"@misc{a,\x00}", "NUL bytes"),
        (b"hello there", "is not BibTeX, RIS or CSL-JSON"),
        (b"[1, 2", "CSL-JSON could not be read"),
        (b"@misc{broken, title={x", "BibTeX could not be read"),
        (b"[]", "no entries"),
        (b" " * 5_000_001, "over 5 MB"),
    ],
)
def test_what_is_not_an_export_is_refused_with_a_message(data: bytes, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        read_references(data, "upload")
