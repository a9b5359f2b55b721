"""Sums and products of a few sparse rows, on the CSR arrays themselves.

The ranker's steps for one reader touch a few rows of a sparse matrix (a reader's papers, the
top candidates). scipy builds and checks a new matrix object for each such step (indexing,
a product, a difference), which costs more than the arithmetic: a daily run over 10,000
readers spent about 3 ms per reader on it (bench/recommend_speed.py). These functions take a
matrix's rows as plain arrays (`Entries`) and give plain arrays back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

Index = npt.NDArray[np.intp]
Values = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Entries:
    """The stored entries of some rows: entry k is (row[k], term[k], value[k]); `rows` rows in
    all, in the order asked for, each row's entries in the matrix's order."""

    row: Index
    term: Index
    value: Values
    rows: int


def entries(m: sp.csr_matrix, index: npt.ArrayLike | None = None) -> Entries:
    """The entries of `m`'s rows at `index` (all rows when None), in that order."""
    if index is None:
        picked = np.arange(m.shape[0], dtype=np.intp)
    else:
        picked = np.asarray(index, dtype=np.intp).reshape(-1)
    # Only the rows asked for are read and converted: the matrix may hold many more.
    starts = m.indptr[picked].astype(np.intp)
    lengths = m.indptr[picked + 1].astype(np.intp) - starts
    total = int(lengths.sum())
    row = np.repeat(np.arange(len(picked), dtype=np.intp), lengths)
    # Position of each entry in m's arrays: its row's start plus its place within the row.
    first = np.cumsum(lengths) - lengths
    at = np.arange(total, dtype=np.intp) - np.repeat(first - starts, lengths)
    return Entries(row, m.indices[at].astype(np.intp), m.data[at].astype(np.float64), len(picked))


def weighted_sum(rows: Entries, weights: npt.ArrayLike) -> tuple[Index, Values]:
    """sum_i weights[i] * row i, as (terms, values), terms ascending."""
    w = np.asarray(weights, dtype=np.float64)
    terms, inverse = np.unique(rows.term, return_inverse=True)
    sums = np.bincount(inverse, weights=rows.value * w[rows.row], minlength=len(terms))
    return terms.astype(np.intp), sums.astype(np.float64)


def combine(a: tuple[Index, Values], b: tuple[Index, Values], scale: float) -> tuple[Index, Values]:
    """a + scale * b, each (terms, values)."""
    terms, inverse = np.unique(np.concatenate([a[0], b[0]]), return_inverse=True)
    values = np.concatenate([a[1], scale * b[1]])
    sums = np.bincount(inverse, weights=values, minlength=len(terms))
    return terms.astype(np.intp), sums.astype(np.float64)


def as_row(vector: tuple[Index, Values], width: int) -> sp.csr_matrix:
    """(terms, values) as a 1-row float32 CSR matrix of `width` columns."""
    terms, values = vector
    return sp.csr_matrix(
        (values.astype(np.float32), terms.astype(np.int32), np.array([0, len(terms)], np.int32)),
        shape=(1, width),
    )


def products(a: Entries, b: Entries) -> npt.NDArray[np.float64]:
    """The (a.rows, b.rows) matrix of dot products of a's rows with b's rows, over the terms
    b's rows hold."""
    out = np.zeros((a.rows, b.rows), dtype=np.float64)
    if not len(b.term) or not len(a.term):
        return out
    # Each of b's terms gets a column of its own; a's terms are found among them by a binary
    # search (a map of every term of the vocabulary to its column, made for each call, cost
    # twice as much for the few rows explained at a time).
    terms, inverse = np.unique(b.term, return_inverse=True)
    right = np.zeros((b.rows, len(terms)), dtype=np.float64)
    right[b.row, inverse] = b.value  # a row holds a term once
    place = np.searchsorted(terms, a.term)
    place[place == len(terms)] = 0
    shared = terms[place] == a.term
    left = np.zeros((a.rows, len(terms)), dtype=np.float64)
    left[a.row[shared], place[shared]] = a.value[shared]
    result: npt.NDArray[np.float64] = left @ right.T
    return result


def lookup(vector: sp.csr_matrix, terms: Index) -> Values:
    """The 1-row matrix `vector`'s values at `terms` (0 where it holds none)."""
    dense = np.zeros(vector.shape[1], dtype=np.float64)
    dense[np.asarray(vector.indices, dtype=np.intp)] = vector.data
    found: Values = dense[terms]
    return found
