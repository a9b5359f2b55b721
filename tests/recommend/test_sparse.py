"""The ranker's sparse arithmetic on plain arrays (recommend/sparse.py) against scipy's."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from paperfeed.recommend import sparse


def _matrix(rows: int, width: int, seed: int, density: float = 0.1) -> sp.csr_matrix:
    m = sp.random(rows, width, density=density, format="csr", dtype=np.float32, random_state=seed)
    m.data += 0.1  # no stored zeros
    return m


def test_entries_of_some_rows_in_the_order_asked() -> None:
    m = _matrix(30, 50, 1)
    picked = [7, 0, 29, 7, 3]
    e = sparse.entries(m, picked)
    assert e.rows == len(picked)
    rebuilt = sp.csr_matrix((e.value, (e.row, e.term)), shape=(len(picked), 50))
    np.testing.assert_allclose(rebuilt.toarray(), m[picked].toarray())
    assert sparse.entries(m).rows == 30
    empty = sparse.entries(m, [])
    assert empty.rows == 0 and not len(empty.term)


def test_weighted_sums_and_differences_are_scipys() -> None:
    m = _matrix(12, 40, 2)
    w = np.linspace(0.1, 1.0, 12)
    terms, values = sparse.weighted_sum(sparse.entries(m), w)
    assert list(terms) == sorted(set(terms))
    want = (sp.csr_matrix(w.reshape(1, -1)) @ m).toarray().ravel()
    got = sparse.as_row((terms, values), 40).toarray().ravel()
    np.testing.assert_allclose(got, want, rtol=1e-6)
    other = sparse.weighted_sum(sparse.entries(_matrix(5, 40, 3)), np.full(5, 0.2))
    both = sparse.as_row(sparse.combine((terms, values), other, -0.25), 40).toarray().ravel()
    minus = sparse.as_row(other, 40).toarray().ravel()
    np.testing.assert_allclose(both, want - 0.25 * minus, rtol=1e-5, atol=1e-7)


def test_products_of_rows_are_scipys() -> None:
    a, b = _matrix(20, 300, 4), _matrix(6, 300, 5, density=0.05)
    got = sparse.products(sparse.entries(a, [3, 1, 19]), sparse.entries(b))
    np.testing.assert_allclose(got, (a[[3, 1, 19]] @ b.T).toarray(), rtol=1e-5)
    none = sparse.products(sparse.entries(a, [0]), sparse.entries(b, []))
    assert none.shape == (1, 0)


def test_a_rows_values_looked_up_by_term_sorted_or_not() -> None:
    row = sparse.as_row((np.array([2, 5, 9]), np.array([0.5, 1.5, 2.5])), 10)
    terms = np.array([9, 0, 5, 2, 7])
    np.testing.assert_allclose(sparse.lookup(row, terms), [2.5, 0, 1.5, 0.5, 0])
    unsorted = sp.csr_matrix(
        (np.array([1.5, 0.5], np.float32), np.array([5, 2]), np.array([0, 2])), shape=(1, 10)
    )
    np.testing.assert_allclose(sparse.lookup(unsorted, terms), [0, 0, 1.5, 0.5, 0])
    nothing = sp.csr_matrix((1, 10), dtype=np.float32)
    np.testing.assert_allclose(sparse.lookup(nothing, terms), np.zeros(5))
