"""A typo in a query word, corrected against the index's own terms (pure): for an analysed
term no paper contains, the indexed term nearest to it by edit distance (a swap of two
neighbouring letters counts one edit), the most frequent on a tie. Used by the keyword index,
which lists the candidates sharing the term's first two letters; a term is only corrected when
nothing has it, so well-spelt queries rank exactly as before."""

from __future__ import annotations

from collections.abc import Collection, Iterable

# Shorter terms have too many neighbours one edit away to guess which was meant.
MIN_LENGTH = 5
# Candidate terms read from the index for one correction (the most frequent first).
CANDIDATES = 5000


def max_edits(term: str) -> int:
    """Edits allowed for a term of this length: none under MIN_LENGTH, one up to 7 letters,
    two beyond."""
    if len(term) < MIN_LENGTH:
        return 0
    return 1 if len(term) <= 7 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance between `a` and `b` (insertions, deletions,
    substitutions and swaps of neighbours, one each), or `limit + 1` as soon as it is
    certainly over `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[len(b)]


def closest_term(
    term: str,
    candidates: Iterable[tuple[str, int]],
    limit: int | None = None,
    ignore: Collection[str] = (),
) -> str | None:
    """The candidate (term, document count) nearest to `term` within `limit` edits (by
    default `max_edits(term)`; give the typed word's for a stemmed term, "hahsing" being
    "hahs"), not one of `ignore` (stop words): among the nearest, the one as long as `term`
    (a swap or a wrong letter is likelier than a letter too many or too few), then the most
    frequent, then the first alphabetically; None when none is."""
    limit = max_edits(term) if limit is None else limit
    if limit == 0:
        return None
    best: tuple[int, int, int, str] | None = None
    for candidate, count in candidates:
        if candidate == term or count <= 0 or candidate in ignore:
            continue
        distance = edit_distance(term, candidate, limit)
        if distance > limit:
            continue
        key = (distance, abs(len(candidate) - len(term)), -count, candidate)
        if best is None or key < best:
            best = key
    return best[3] if best else None
