"""Recommendations for members, from what they saved, upvoted and marked "not interested" and
what they follow: the store's side of `paperfeed.recommend` (pure ranking).

- `Recommender.open` loads the fitted feature space from the data directory, or fits it on the
  store's newest `FIT_PAPERS` papers and saves it (`paperfeed recommend --refit` starts over).
  A fixed sample of those papers is the background every score is standardised against, so a
  paper scores the same whichever papers it is ranked with.
- `recommend_new` (the daily job): each reader's best among the papers listed since the last
  run, merged with what they were recommended in the last `RECENT_DAYS` days.
- `recommend_all` (on demand, "refresh" on /for-you): candidates from the whole store through
  search (a query of the reader's profile words, and the papers near each of theirs), ranked
  the same way.

Papers matching what the reader follows (an author, a category) are lifted by `FOLLOW_BONUS`
standard deviations and say so in their reason. An on-demand run replaces the member's list
whole; the daily run amends the lists of a block of `BLOCK` members in each transaction (the
papers that fell off taken out, the new ones put in; the ones that stay keep the day they
were made, so each leaves the list RECENT_DAYS after it came)."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Collection, Container, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from paperfeed.feed.following import follow_label
from paperfeed.models import Follow, Paper, Reason
from paperfeed.recommend.features import FeatureSpace, PaperRows, PaperText
from paperfeed.recommend.ranker import (
    Positive,
    Profile,
    Recommendation,
    Scores,
    Signals,
    explained,
    fit_profile,
    rank,
    score,
    score_many,
)
from paperfeed.recommend.term_counts import TermCounts
from paperfeed.search.rules import author_key
from paperfeed.search.searcher import Searcher
from paperfeed.store import Store
from paperfeed.store.recommendations import Amendment, Listed

log = logging.getLogger(__name__)

SPACE_FILE = "recommend-space.npz"
COUNTS_FILE = "recommend-counts.npz"  # the daily run's term counts (recommend/term_counts.py)
FIT_PAPERS = 20_000  # newest papers the feature space is fitted on
BACKGROUND = 1_000  # of those, the fixed sample scores are standardised against
KEEP = 50  # recommendations kept per member
RECENT_DAYS = 7  # how long a daily recommendation stays on the list
POSITIVES = 200  # a reader's latest saves and upvotes the profile is made from
FOLLOW_BONUS = 1.0  # in standard deviations of the score
CHECKPOINT = "recommendations:last-day"
QUERY_WORDS = 12  # profile words in the on-demand search
POOL = 500  # papers each on-demand search brings
NEAR = 20  # papers near each of the reader's latest NEAR_OF papers
NEAR_OF = 10
BLOCK = 500  # readers scored together in the daily run (score_many)

Ranked = list[tuple[str, float, Reason]]


def paper_text(paper: Paper) -> PaperText:
    return PaperText(
        paper.arxiv_id,
        paper.title,
        paper.abstract or "",
        tuple(a.name for a in paper.authors or ()),
    )


@dataclass(slots=True)
class Recommender:
    """The fitted feature space over one store, and its background rows."""

    store: Store
    space: FeatureSpace
    background: PaperRows
    model: str | None = None  # the search model whose stored vectors are a view too
    data_dir: Path | None = None  # where the space is saved, and the daily run's term counts

    @classmethod
    def open(
        cls, store: Store, data_dir: Path, *, model: str | None = None, refit: bool = False
    ) -> Recommender:
        path = data_dir / SPACE_FILE
        ids = store.papers.latest_ids(FIT_PAPERS)
        if path.exists() and not refit:
            space = FeatureSpace.load(path)
        else:
            papers = store.papers.get_many(ids)
            texts = [paper_text(papers[i]) for i in ids if i in papers]
            space = FeatureSpace.fit(texts)
            data_dir.mkdir(parents=True, exist_ok=True)
            space.save(path)
            log.info("recommendations: feature space fitted on %d papers", len(texts))
        step = max(1, len(ids) // BACKGROUND)
        made = cls(store, space, PaperRows([], {}, {}, []), model, data_dir)
        made.background = made.rows(sorted(ids[::step][:BACKGROUND]))
        return made

    def rows(self, ids: Sequence[str], counts: TermCounts | None = None) -> PaperRows:
        """The feature rows of the live papers among `ids`, in that order (with `counts`,
        their terms counted only if not kept there)."""
        papers = self.store.papers.get_many(list(ids))
        kept = [papers[i] for i in dict.fromkeys(ids) if i in papers]
        vectors = None
        if self.model is not None and kept:
            stored = self.store.search_data.vectors(self.model, [p.arxiv_id for p in kept])
            if stored:
                dim = len(next(iter(stored.values()))) // 4
                vectors = np.zeros((len(kept), dim), dtype=np.float32)
                for n, p in enumerate(kept):
                    raw = stored.get(p.arxiv_id)
                    if raw is not None and len(raw) == dim * 4:
                        vectors[n] = np.frombuffer(raw, dtype="<f4")
        return self.space.transform([paper_text(p) for p in kept], vectors, counts=counts)

    def term_counts(self) -> TermCounts:
        """The term counts the last daily run kept (none without a data directory)."""
        fingerprint = self.space.fingerprint
        if self.data_dir is None:
            return TermCounts(fingerprint)
        return TermCounts.load(self.data_dir / COUNTS_FILE, fingerprint)

    def keep_term_counts(self, counts: TermCounts, ids: Collection[str]) -> None:
        """Keep the counts of the papers among `ids` for the next daily run."""
        if self.data_dir is not None:
            counts.only(ids).save(self.data_dir / COUNTS_FILE)

    def signals(self, user_id: int) -> Signals:
        return self.signals_of([user_id]).get(user_id, Signals(positives=()))

    def signals_of(self, user_ids: Sequence[int]) -> dict[int, Signals]:
        """Each member's signals, read for all of them at once: their latest POSITIVES saves
        ("saved"), their latest POSITIVES upvotes of papers they did not save ("upvoted",
        half the weight), and what they marked not interested."""
        saved = self.store.library.libraries(user_ids)
        upvoted = self.store.recommendations.upvoted_by(user_ids)
        dismissed = self.store.library.dismissed_by(user_ids)
        found: dict[int, Signals] = {}
        for user_id in user_ids:
            theirs = saved.get(user_id, [])[:POSITIVES]
            kept = set(theirs)
            found[user_id] = Signals(
                positives=tuple(
                    [Positive(pid, "saved") for pid in theirs]
                    + [
                        Positive(pid, "upvoted")
                        for pid in upvoted.get(user_id, [])[:POSITIVES]
                        if pid not in kept
                    ]
                ),
                dismissed=tuple(sorted(dismissed.get(user_id, ()))),
            )
        return found

    def rank_for(
        self,
        user_id: int,
        candidates: PaperRows,
        *,
        limit: int = KEEP,
        signals: Signals | None = None,
        known: PaperRows | None = None,
        profile: Profile | None = None,
        scores: Scores | None = None,
        papers: Mapping[str, Paper] | None = None,
        follows: Sequence[Follow] | None = None,
    ) -> Ranked:
        """The member's best `limit` among `candidates`, each with its reason. `signals` and
        `known` (rows holding their papers), their `profile`, the candidates' `scores` (a row
        of `score_many`), `papers` and what they `follows` save reading, transforming and
        scoring again when many readers are ranked at once."""
        signals = signals if signals is not None else self.signals(user_id)
        if not signals.positives:
            return []
        if profile is None:
            if known is None:
                known = self.rows([p.paper_id for p in signals.positives] + list(signals.dismissed))
            profile = fit_profile(signals, known, self.space)
        if scores is None:
            scores = score(profile, candidates, self.background)
        if follows is None:
            follows = self.store.follows.of(user_id)
        scores, matched = self.lifted(candidates, scores, follows, papers)
        return [
            (r.paper_id, r.score, _reason(r, matched.get(r.paper_id, ())))
            for r in rank(profile, candidates, limit=limit, scores=scores)
        ]

    def lifted(
        self,
        candidates: PaperRows,
        scores: Scores,
        follows: Sequence[Follow],
        papers: Mapping[str, Paper] | None = None,
    ) -> tuple[Scores, dict[str, tuple[str, ...]]]:
        """`scores` with the candidates matching what the member `follows` lifted by
        FOLLOW_BONUS, and the labels of what each lifted one matched."""
        bonus = _follow_bonus(self.store, follows, candidates, papers)
        if not bonus:
            return scores, {}
        lift = np.array([bonus.get(pid, (0.0, ()))[0] for pid in candidates.ids])
        return scores + lift, {pid: labels for pid, (_lift, labels) in bonus.items()}


def _reason(rec: Recommendation, follows: tuple[str, ...]) -> Reason:
    return Reason(because=rec.because, words=rec.words, authors=rec.authors, follows=follows)


def _follow_bonus(
    store: Store,
    follows: Sequence[Follow],
    candidates: PaperRows,
    papers: Mapping[str, Paper] | None = None,
) -> dict[str, tuple[float, tuple[str, ...]]]:
    """FOLLOW_BONUS for candidates by an author or in a category the member `follows`, with
    the labels of what they matched (`papers`: the candidates' papers, when already read)."""
    authors = {author_key(f.value): f.value for f in follows if f.kind == "author"}
    cats = {f.value.lower(): f.value for f in follows if f.kind == "category"}
    if not authors and not cats:
        return {}
    if papers is None:
        papers = store.papers.get_many(candidates.ids)
    found: dict[str, tuple[float, tuple[str, ...]]] = {}
    for pid in candidates.ids:
        paper = papers.get(pid)
        if paper is None:
            continue
        labels = [
            follow_label("author", authors[key])
            for key in (author_key(a.name) for a in paper.authors or ())
            if key in authors
        ]
        labels += [
            follow_label("category", cats[c.lower()])
            for c in paper.categories or ()
            if c.lower() in cats
        ]
        if labels:
            found[pid] = (FOLLOW_BONUS, tuple(dict.fromkeys(labels)))
    return found


def _best_first(item: tuple[str, float]) -> tuple[float, str]:
    return (-item[1], item[0])  # as the store orders a list: by score, ties by paper id


def _amend(
    fresh: Sequence[tuple[str, float]],
    earlier: Sequence[Listed],
    keep_since: datetime,
    gone: Container[str],
) -> tuple[list[str], list[tuple[str, float]]]:
    """A member's list after a day: the best KEEP of their `earlier` recommendations made
    after `keep_since` and the `fresh` ones, less the papers `gone` (saved or dismissed
    since). As (papers taken off, new papers put on with their scores): the ones that stay
    keep their day, reason and score (a paper on the list already stays as it was)."""
    listed = {r.paper_id for r in earlier}
    pool = [
        (r.paper_id, r.score) for r in earlier if r.made_at > keep_since and r.paper_id not in gone
    ]
    pool += [(pid, s) for pid, s in fresh if pid not in listed and pid not in gone]
    kept = {pid for pid, _s in sorted(pool, key=_best_first)[:KEEP]}
    removed = sorted(listed - kept)
    added = [(pid, s) for pid, s in fresh if pid in kept and pid not in listed]
    return removed, added


def _gone(store: Store, user_ids: Sequence[int]) -> dict[int, frozenset[str]]:
    """What each member saved or dismissed, read now: not to be recommended to them."""
    saved = store.library.libraries(user_ids)
    dismissed = store.library.dismissed_by(user_ids)
    return {
        user_id: frozenset(saved.get(user_id, ())) | dismissed.get(user_id, frozenset())
        for user_id in user_ids
    }


@dataclass(slots=True)
class _Block:
    """A block of readers' day in the daily run: each one's best new papers (`best`, not yet
    explained), explained as they go on a list. Merged with the earlier lists, most of a day's
    best fall off a list that is already full: only the ones that stay on are explained (the
    explanations were a quarter of the run) and written (rather than every list's rows)."""

    readers: Sequence[int]
    candidates: PaperRows
    profiles: dict[int, Profile]
    lifted: dict[int, tuple[Scores, dict[str, tuple[str, ...]]]]
    best: dict[int, list[tuple[str, float]]]
    keep_since: datetime
    reasons: dict[tuple[int, str], Reason] = field(default_factory=dict)
    # Each reader's last change and what it was worked out from (their earlier list, what
    # was gone): asked again with the same, it is not worked out again.
    _made: dict[int, tuple[Sequence[Listed], Container[str], Amendment | None]] = field(
        default_factory=dict
    )

    @classmethod
    def scored(
        cls,
        recommender: Recommender,
        readers: Sequence[int],
        signals: Mapping[int, Signals],
        known: PaperRows,
        candidates: PaperRows,
        papers: Mapping[str, Paper],
        keep_since: datetime,
    ) -> _Block:
        """The readers scored with one matrix product per view (`score_many`). Per reader
        (scored one at a time and the top again to explain it, background included, each
        reader's things read and written on their own) the run took 89 ms of CPU per reader
        against 11 ms (10,000 readers, 1,000 candidates, bench/recommend_speed.py)."""
        profiles = {
            user_id: fit_profile(signals[user_id], known, recommender.space)
            for user_id in readers
            if signals[user_id].positives
        }
        rows = score_many(list(profiles.values()), candidates, recommender.background)
        follows = recommender.store.follows.of_members(readers)
        lifted = {
            user_id: recommender.lifted(candidates, row, follows.get(user_id, []), papers)
            for user_id, row in zip(profiles, rows, strict=True)
        }
        best = {
            user_id: [
                (r.paper_id, r.score)
                for r in rank(profiles[user_id], candidates, limit=KEEP, scores=s, explain=False)
            ]
            for user_id, (s, _matched) in lifted.items()
        }
        return cls(readers, candidates, profiles, lifted, best, keep_since)

    def amendments(
        self, earlier: Mapping[int, Sequence[Listed]], gone: Mapping[int, Container[str]]
    ) -> dict[int, Amendment]:
        """Each reader's list's changes, given their `earlier` list and what is `gone`; the
        papers put on are explained once (kept in `reasons`), and a reader whose list and gone
        papers are the ones of the last call is not merged again (the write transaction asks
        again for every reader; few have changed)."""
        changes: dict[int, Amendment] = {}
        for user_id in self.readers:
            theirs, left = earlier.get(user_id, []), gone[user_id]
            made = self._made.get(user_id)
            if made is not None and made[0] is theirs and made[1] == left:
                if made[2] is not None:
                    changes[user_id] = made[2]
                continue
            removed, added = _amend(self.best.get(user_id, []), theirs, self.keep_since, left)
            unexplained = [pid for pid, _s in added if (user_id, pid) not in self.reasons]
            if unexplained:
                scores, matched = self.lifted[user_id]
                at = self.candidates.positions(unexplained)
                for r in explained(self.profiles[user_id], self.candidates, at, scores):
                    self.reasons[user_id, r.paper_id] = _reason(r, matched.get(r.paper_id, ()))
            change = None
            if removed or added:
                change = Amendment(
                    removed, [(pid, s, self.reasons[user_id, pid]) for pid, s in added]
                )
                changes[user_id] = change
            self._made[user_id] = (theirs, left, change)
        return changes


@dataclass(frozen=True, slots=True)
class RunReport:
    readers: int
    candidates: int
    days: tuple[date, ...]

    def line(self) -> str:
        span = f"{self.days[0]} to {self.days[-1]}" if self.days else "no new days"
        return f"{self.readers:,} readers, {self.candidates:,} new papers ({span})"


def new_days(store: Store) -> tuple[date, date] | None:
    """The first and last listed day the daily run has not done yet (at most the last
    RECENT_DAYS), or None when there is none."""
    latest = store.listings.latest_day()
    if latest is None:
        return None
    stored = store.checkpoints.get(CHECKPOINT)
    start = date.fromisoformat(stored) + timedelta(days=1) if stored else latest
    start = max(start, latest - timedelta(days=RECENT_DAYS - 1))
    return (start, latest) if start <= latest else None


def recommend_new(
    store: Store,
    recommender: Recommender,
    now: datetime,
    *,
    readers: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunReport | None:
    """Rank the papers listed since the last run for every reader (or `readers`), merged
    with their recommendations of the last RECENT_DAYS days; None when no day is new. The
    checkpoint moves on only once every reader's list is written."""
    new = new_days(store)
    if new is None:
        return None
    with _collecting_less():
        return _recommend_new(store, recommender, now, new, readers, progress)


@contextmanager
def _collecting_less() -> Iterator[None]:
    """The garbage collector's youngest generation collected every 50,000 allocations instead
    of 700, inside the `with`. The daily run holds millions of small objects (rows,
    papers, lists) for its whole length, and each full collection went through all of them:
    collecting took 13% of a run (2.5 s of 19.6 s for 4,000 readers; 0.1 s raised)."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _recommend_new(
    store: Store,
    recommender: Recommender,
    now: datetime,
    new: tuple[date, date],
    readers: Sequence[int] | None,
    progress: Callable[[int, int], None] | None,
) -> RunReport:
    start, latest = new
    ids = store.listings.ids_on_days(start, latest)
    # Term counts kept from the last run: the readers' papers are mostly the same each day.
    counts = recommender.term_counts()
    candidates = recommender.rows(ids, counts)
    who = list(readers) if readers is not None else store.recommendations.readers()
    keep_since = now - timedelta(days=RECENT_DAYS)
    # Every reader's papers are read and turned into rows once, for all of them.
    signals = recommender.signals_of(who)
    theirs = {p.paper_id for s in signals.values() for p in s.positives}
    theirs |= {pid for s in signals.values() for pid in s.dismissed}
    known = recommender.rows(sorted(theirs), counts)
    papers = store.papers.get_many(candidates.ids)  # for the follow bonus, read once
    n = 0
    for lo in range(0, len(who), BLOCK):
        block = who[lo : lo + BLOCK]
        # A block of readers is scored at once (`_Block.scored`), read with a query or two
        # per kind of thing read, and its lists' changes written in one transaction.
        day = _Block.scored(recommender, block, signals, known, candidates, papers, keep_since)
        stamps = store.recommendations.stamps(block)  # before the lists: a change between counts
        earlier = store.recommendations.listed(block)
        day.amendments(earlier, _gone(store, block))
        with store.transaction():
            # What a member saved, dismissed or asked for meanwhile counts: read again in the
            # transaction that writes, the lists only of the members whose list changed (their
            # new papers explained now; usually there are none).
            now_stamps = store.recommendations.stamps(block)
            changed = [u for u in block if now_stamps.get(u) != stamps.get(u)]
            again = store.recommendations.listed(changed)
            earlier.update({u: again.get(u, []) for u in changed})
            store.recommendations.amend(day.amendments(earlier, _gone(store, block)), now)
        n += len(block)
        if progress:
            progress(n, len(who))
    if readers is None:
        # Today's papers too: tomorrow some will be saved.
        recommender.keep_term_counts(counts, theirs | set(candidates.ids))
        store.checkpoints.set(CHECKPOINT, latest.isoformat())
    days = tuple(start + timedelta(days=i) for i in range((latest - start).days + 1))
    return RunReport(len(who), len(candidates), days)


def recommend_all(
    store: Store, recommender: Recommender, search: Searcher, user_id: int, now: datetime
) -> Ranked:
    """The member's recommendations over the whole store, made now and stored: candidates
    from a search of their profile's words and from the papers near their latest ones."""
    signals = recommender.signals(user_id)
    if not signals.positives:
        store.recommendations.replace(user_id, [], now)
        return []
    known = recommender.rows([p.paper_id for p in signals.positives])
    profile = fit_profile(signals, known, recommender.space)
    words = _profile_words(profile.sparse.get("words"), recommender.space, QUERY_WORDS)
    pool: dict[str, None] = {}
    if words:
        # Keyword search ORs the words (BM25); hybrid adds their embedding.
        for hit in search.search(" ".join(words), mode="hybrid", limit=POOL, explain=False).hits:
            pool[hit.paper.arxiv_id] = None
    for p in signals.positives[:NEAR_OF]:
        for hit in search.related(p.paper_id, NEAR):
            pool[hit.paper.arxiv_id] = None
    ranked = recommender.rank_for(user_id, recommender.rows(list(pool)), signals=signals)
    with store.transaction():
        gone = _gone(store, [user_id])[user_id]
        store.recommendations.replace(user_id, [r for r in ranked if r[0] not in gone], now)
    return ranked


def _profile_words(profile: object, space: FeatureSpace, n: int) -> list[str]:
    """The single words that weigh most in a reader's `words` profile (a vector, or a 1-row
    sparse matrix)."""
    if profile is None:
        return []
    toarray = getattr(profile, "toarray", None)
    vector = np.asarray(toarray() if toarray is not None else profile, dtype=np.float32).ravel()
    if not vector.size:
        return []
    vocabulary = space.words.vocabulary
    order = np.argsort(-vector)
    chosen: list[str] = []
    for i in order[: n * 4]:
        term = str(vocabulary[i])
        if vector[i] <= 0:
            break
        if " " not in term:
            chosen.append(term)
        if len(chosen) == n:
            break
    return chosen
