"""The tantivy keyword index on real records: BM25 ranking, operators, filters, exact titles,
updates and deletions, and hostile queries that must never reach tantivy as syntax."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
import tantivy

from paperfeed.models import IndexDoc, SearchFilters
from paperfeed.search.keyword_index import (
    PHRASE_BOOST,
    TITLE_BOOST,
    KeywordIndex,
    KeywordOptions,
    weightiest_terms,
)
from paperfeed.search.query import MAX_TERMS, parse_query

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
CACM = DATA / "relevance" / "cacm" / "eval" / "corpus.jsonl"
NOW = datetime(2026, 11, 26)


def _cacm_docs() -> Iterator[IndexDoc]:
    with CACM.open() as fh:
        for n, line in enumerate(fh):
            r = json.loads(line)
            yield IndexDoc(
                arxiv_id=r["id"],
                title=r["title"],
                abstract=r.get("abstract") or "",
                authors=tuple(r.get("authors") or ()),
                # Synthetic dates and categories, so that filters have something to act on.
                categories=("cs.PL",) if n % 2 else ("cs.OS", "cs.PL"),
                published=datetime(1958 + n % 22, 1 + n % 12, 1),
                deleted=False,
                changed_at=NOW,
            )


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> KeywordIndex:
    idx = KeywordIndex(tmp_path_factory.mktemp("kw") / "keyword")
    idx.update(_cacm_docs())
    return idx


def _ids(index: KeywordIndex, q: str, **kw: object) -> list[str]:
    return [pid for pid, _ in index.search(parse_query(q), **kw).hits]  # type: ignore[arg-type]


def test_bm25_finds_the_topic(index: KeywordIndex) -> None:
    assert len(index) == 3204
    result = index.search(parse_query("time sharing operating system"), limit=10)
    assert result.total > 100
    assert len(result.hits) == 10
    scores = [s for _, s in result.hits]
    assert scores == sorted(scores, reverse=True)


def test_stemming_and_stop_words(index: KeywordIndex) -> None:
    assert _ids(index, "compilers", limit=5) == _ids(index, "the compiler", limit=5)


def test_phrase_alone_is_required(index: KeywordIndex) -> None:
    hits = _ids(index, '"time sharing"', limit=1000)
    loose = _ids(index, "time sharing", limit=5000)
    assert 0 < len(hits) < len(loose)


def test_exclusion(index: KeywordIndex) -> None:
    with_ = set(_ids(index, "sorting", limit=1000))
    without = set(_ids(index, "sorting -tape", limit=1000))
    assert without < with_


def test_author_operator(index: KeywordIndex) -> None:
    hits = _ids(index, "author:Knuth", limit=100)
    assert hits
    assert len(_ids(index, 'author:"Knuth, D. E."', limit=100)) <= len(hits)


def test_filters(index: KeywordIndex) -> None:
    base = index.search(parse_query("algorithm"), limit=10).total
    os_only = index.search(
        parse_query("algorithm"), SearchFilters(categories=("cs.OS",)), limit=10
    ).total
    dated = index.search(
        parse_query("algorithm"),
        SearchFilters(date_from=date(1960, 1, 1), date_to=date(1960, 12, 31)),
        limit=10,
    ).total
    by_year = index.search(parse_query("algorithm year:1960"), limit=10).total
    assert 0 < os_only < base
    assert 0 < dated < base
    assert dated == by_year
    assert index.search(parse_query("algorithm cat:cs.OS"), limit=10).total == os_only


def test_filters_only_lists_newest_first(index: KeywordIndex) -> None:
    result = index.search(parse_query("year:1970"), limit=5)
    assert result.total > 0 and len(result.hits) == 5


def test_sort_by_date(index: KeywordIndex) -> None:
    keys = [k for _, k in index.search(parse_query("algorithm"), limit=20, by_date=True).hits]
    assert keys == sorted(keys, reverse=True)


def test_exact_title(index: KeywordIndex) -> None:
    title = "Extraction of Roots by Repeated Subtractions for Digital Computers"
    assert index.title_matches(title.upper() + ".") == ["CACM-0002"]
    assert index.title_matches("no such title at all") == []
    assert index.title_matches("") == []


def test_restrict(index: KeywordIndex) -> None:
    ids = ["CACM-0001", "CACM-0002", "CACM-0003", "nope"]
    assert index.restrict(ids, SearchFilters()) == {"CACM-0001", "CACM-0002", "CACM-0003"}
    assert index.restrict(ids, SearchFilters(categories=("cs.OS",))) == {"CACM-0001", "CACM-0003"}


def _indexed_ids() -> set[str]:
    """The ids the `index` fixture holds: every CACM record."""
    return {doc.arxiv_id for doc in _cacm_docs()}


@pytest.mark.parametrize(
    "text",
    [
        'a "unbalanced',
        "title:(a OR b) AND abstract:[* TO *]",
        "foo:bar (x) [y] {z} \\ / * ? ~ ^ +must ||",
        "😀 🚀",
        "-",
        "-only -exclusions",
        "x" * 10_000,
        "compiler " * 3000,
        '"" ""',
        "year:99999 cat:",
        "",
        "   ",
        "\x00",
        "sort\x00ing",
        "\u202e",
        "\u202etape\u202c",
        "<script>alert(1)</script>",
        ("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" * 320)[:10_240],
    ],
)
def test_hostile_queries(index: KeywordIndex, text: str) -> None:
    normal = index.search(parse_query("compiler"), limit=10)
    result = index.search(parse_query(text), limit=10)
    ids = [pid for pid, _ in result.hits]
    assert len(set(ids)) == len(ids) <= 10
    assert set(ids) <= _indexed_ids()
    assert result.total >= len(ids)
    scores = [score for _, score in result.hits]
    assert scores == sorted(scores, reverse=True)
    if text in ("", "   ", "\x00", "\u202e", '"" ""'):  # nothing to search for
        assert result.hits == [] and result.total == 0
    # The index still answers a normal query exactly as before.
    assert index.search(parse_query("compiler"), limit=10) == normal
    assert normal.hits


def test_update_replaces_and_deletes(tmp_path: Path) -> None:
    idx = KeywordIndex(tmp_path / "kw")
    doc = IndexDoc(
        "2401.00001",
        "Quantum walks",
        "On walks.",
        ("A. Author",),
        ("quant-ph",),
        datetime(2024, 1, 2),
        False,
        NOW,
    )
    idx.update([doc])
    assert _ids(idx, "walks") == ["2401.00001"]
    idx.update([IndexDoc("2401.00001", "Spin chains", "On chains.", (), (), None, False, NOW)])
    assert _ids(idx, "walks") == []
    assert _ids(idx, "chains") == ["2401.00001"]
    assert len(idx) == 1
    idx.update([IndexDoc("2401.00001", "Spin chains", "", (), (), None, True, NOW)])
    assert len(idx) == 0
    idx.save_state({"watermark": "2026-11-26T00:00:00"})
    reopened = KeywordIndex(tmp_path / "kw")
    assert reopened.state()["watermark"] == "2026-11-26T00:00:00"
    reopened.clear()
    assert reopened.state() == {"schema_version": 1}


def test_a_typo_in_a_rare_word_finds_what_the_word_finds(index: KeywordIndex) -> None:
    right = _ids(index, "hashing collisions", limit=10)
    assert right
    # Two letters swapped, one doubled, one dropped: each corrected to the term papers
    # contain. (A typo that changes how the word stems, "collisoins", is not: its stem is
    # three edits from "collis".)
    for typo in ("hahsing collisions", "hashing colllisions", "hashing colisions"):
        assert _ids(index, typo, limit=10) == right, typo
    # Short words are not guessed at, and nothing near is nothing found.
    assert _ids(index, "qxzv", limit=10) == []
    assert _ids(index, "zzyzzyx", limit=10) == []


def test_a_long_query_keeps_its_weightiest_terms_wherever_they_stand() -> None:
    # 70 distinct words said once, common in the index, and at the end the rare one the
    # question is about, said twice: it is kept, the commonest words go.
    freq = {f"w{i}": 1000 + i for i in range(70)} | {"hash": 26}
    terms = Counter({**{f"w{i}": 1 for i in range(70)}, "hash": 2})
    kept = weightiest_terms(terms, freq.__getitem__, 3204)
    assert len(kept) == MAX_TERMS and kept["hash"] == 2
    assert not {f"w{i}" for i in range(64, 70)} & set(kept)  # the 6 commonest left out
    short = Counter({"hash": 1, "tabl": 2})
    assert weightiest_terms(short, freq.get, 3204) == short


# ---------------------------------------------------------------------------- options


def _doc(arxiv_id: str, title: str, abstract: str) -> IndexDoc:
    return IndexDoc(arxiv_id, title, abstract, (), (), None, False, NOW)


_TINY = [
    _doc("title", "Graph colouring", "We study a heuristic for scheduling exams with few clashes."),
    _doc(
        "abstract", "Scheduling exams", "A graph of clashes; the graph is coloured, graph by graph."
    ),
    _doc("phrase", "Training", "Training a neural network on images."),
    _doc(
        "apart",
        "Training",
        "A network for training, neural in spirit; network and neural training.",
    ),
    _doc("compiler", "A compiler", "One pass."),
    _doc("compilers", "Compilers", "Two passes."),
]


def _tiny(path: Path, options: KeywordOptions | None = None) -> KeywordIndex:
    idx = KeywordIndex(path) if options is None else KeywordIndex(path, options=options)
    idx.update(_TINY)
    return idx


def test_default_options_are_the_constants_and_rank_as_without_options(tmp_path: Path) -> None:
    assert KeywordOptions() == KeywordOptions(TITLE_BOOST, PHRASE_BOOST, stem=True, stop_words=True)
    plain = _tiny(tmp_path / "plain")
    explicit = _tiny(tmp_path / "explicit", KeywordOptions())
    for q in ("graph", '"neural network" training', "compilers -pass", "the compiler"):
        assert plain.search(parse_query(q)) == explicit.search(parse_query(q)), q
    plain.save_state({"seq": 6})
    # A default index's state is what it always was: no analysis recorded.
    assert plain.state() == {"schema_version": 1, "seq": 6}


def test_without_stemming_a_word_finds_only_its_own_form(tmp_path: Path) -> None:
    stemmed = _tiny(tmp_path / "stemmed")
    unstemmed = _tiny(tmp_path / "unstemmed", KeywordOptions(stem=False))
    assert sorted(_ids(stemmed, "compilers")) == ["compiler", "compilers"]
    assert _ids(unstemmed, "compilers") == ["compilers"]
    assert _ids(unstemmed, "compiler") == ["compiler"]
    # Phrases and exclusions are analysed as the index was.
    assert _ids(unstemmed, '"neural network"') == ["phrase"]
    assert sorted(_ids(unstemmed, "compiler OR compilers -passes")) == ["compiler"]


def test_with_stop_words_kept_the_matches(tmp_path: Path) -> None:
    assert _ids(_tiny(tmp_path / "removed"), "the") == []
    assert _ids(_tiny(tmp_path / "kept", KeywordOptions(stop_words=False)), "the") == ["abstract"]


def test_typos_are_corrected_to_terms_of_the_same_analysis(tmp_path: Path) -> None:
    unstemmed = _tiny(tmp_path / "unstemmed", KeywordOptions(stem=False, stop_words=False))
    assert _ids(unstemmed, "compilres") == ["compilers"]
    assert _ids(unstemmed, "heursitic") == ["title"]


def test_an_index_is_reopened_only_with_its_own_analysis(tmp_path: Path) -> None:
    path = tmp_path / "kw"
    built = _tiny(path, KeywordOptions(stem=False))
    built.save_state({"seq": 6})
    assert built.state()["analysis"] == {"stem": False, "stop_words": True}
    # The boosts act at query time: any of them may read the index.
    again = KeywordIndex(path, options=KeywordOptions(title_boost=1.0, stem=False))
    assert _ids(again, "compilers") == ["compilers"]
    with pytest.raises(ValueError, match="no stemming, stop words removed, not stemming"):
        KeywordIndex(path)
    with pytest.raises(ValueError, match="delete it and index again"):
        KeywordIndex(path, options=KeywordOptions(stem=False, stop_words=False))
    # Cleared, the index still says how it analyses what it will be given.
    again.clear()
    assert KeywordIndex(path, options=KeywordOptions(stem=False)).state()["analysis"] == {
        "stem": False,
        "stop_words": True,
    }
    # An index from before the analysis could be chosen was built with the original one.
    old = tmp_path / "old"
    _tiny(old).save_state({"seq": 6})
    with pytest.raises(ValueError, match="was indexed with stemming, stop words removed"):
        KeywordIndex(old, options=KeywordOptions(stop_words=False))


def test_a_new_index_records_its_analysis_before_anything_is_saved(tmp_path: Path) -> None:
    KeywordIndex(tmp_path / "kw", options=KeywordOptions(stop_words=False)).update(_TINY)
    with pytest.raises(ValueError, match="stop words kept"):
        KeywordIndex(tmp_path / "kw")


def test_the_title_boost_lifts_title_matches(tmp_path: Path) -> None:
    path = tmp_path / "kw"
    _tiny(path)
    order = {
        boost: _ids(KeywordIndex(path, options=KeywordOptions(title_boost=boost)), "graph")
        for boost in (0.0, TITLE_BOOST, 1.0)
    }
    # Said three times in an abstract beats said once in a title, unless titles weigh more.
    assert order == {
        0.0: ["abstract", "title"],
        TITLE_BOOST: ["abstract", "title"],
        1.0: ["title", "abstract"],
    }


def test_the_phrase_boost_lifts_the_exact_wording(tmp_path: Path) -> None:
    path = tmp_path / "kw"
    _tiny(path)
    order = {
        boost: _ids(
            KeywordIndex(path, options=KeywordOptions(phrase_boost=boost)),
            '"neural network" training',
        )
        for boost in (0.0, PHRASE_BOOST)
    }
    assert order == {0.0: ["apart", "phrase"], PHRASE_BOOST: ["phrase", "apart"]}


@pytest.mark.parametrize("boost", [-0.1, float("nan"), float("inf")])
def test_a_boost_must_be_a_finite_weight(boost: float) -> None:
    with pytest.raises(ValueError, match="title_boost"):
        KeywordOptions(title_boost=boost)
    with pytest.raises(ValueError, match="phrase_boost"):
        KeywordOptions(phrase_boost=boost)


def _copies(idx: KeywordIndex, arxiv_id: str) -> int:
    """How many live documents carry this id: a replaced paper must be there once."""
    query = tantivy.Query.term_query(idx.schema, "id", arxiv_id)
    return len(idx.index.searcher().search(query, 10).hits)


def test_a_paper_put_twice_before_a_commit_is_indexed_once(tmp_path: Path) -> None:
    idx = KeywordIndex(tmp_path / "kw")
    with idx.writing() as writer:
        writer.put([_doc("2401.00001", "Spin chains", "First version.")])
        writer.put([_doc("2401.00001", "Spin chains", "Second version.")])
        writer.commit()
        writer.put([_doc("2401.00001", "Spin chains", "Third version.")])
        writer.put([IndexDoc("2401.00002", "Gone", "", (), (), None, True, NOW)])
        writer.commit()
    assert _copies(idx, "2401.00001") == 1
    assert _ids(idx, "third") == ["2401.00001"]
    assert _ids(idx, "second") == []
    assert len(idx) == 1


def test_a_paper_put_and_deleted_before_a_commit_is_gone(tmp_path: Path) -> None:
    idx = KeywordIndex(tmp_path / "kw")
    with idx.writing() as writer:
        writer.put([_doc("2401.00001", "Spin chains", "On chains.")])
        writer.put([IndexDoc("2401.00001", "Spin chains", "", (), (), None, True, NOW)])
        writer.commit()
    assert len(idx) == 0


def test_what_a_writer_did_not_commit_is_dropped(tmp_path: Path) -> None:
    idx = KeywordIndex(tmp_path / "kw")
    with pytest.raises(RuntimeError, match="killed"), idx.writing() as writer:
        writer.put([_doc("2401.00001", "Spin chains", "On chains.")])
        writer.commit()
        writer.put([_doc("2401.00002", "Quantum walks", "On walks.")])
        raise RuntimeError("killed")
    reopened = KeywordIndex(tmp_path / "kw")
    assert len(reopened) == 1
    # Indexing the committed paper again (a run killed before it saved its state) replaces it.
    reopened.update([_doc("2401.00001", "Spin chains", "On chains, again.")])
    assert _copies(reopened, "2401.00001") == 1
    assert len(reopened) == 1
