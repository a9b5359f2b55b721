"""arxiv-sanity-lite's recommender, the baseline the evaluation compares with.

Reproduced from github.com/karpathy/arxiv-sanity-lite (commit d7a303b): the tf-idf of
`compute.py` (its command-line defaults: 20,000 features, min_df 5, max_df 0.1, over title,
abstract and author names) and `svm_rank` of `serve.py` (a `LinearSVC` per request, the
reader's papers against every other paper, C=0.01). Its min_df and max_df were chosen for
arXiv's millions of papers; they are kept as written, because this is their recommender, not
ours (max_df 0.1 with min_df 5 needs a corpus of at least 50 papers).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from paperfeed.errors import Invalid
from paperfeed.recommend.features import PaperText


def baseline_text(paper: PaperText) -> str:
    """compute.py's `make_corpus`: title, abstract and author names joined by spaces."""
    return " ".join([paper.title, paper.abstract, " ".join(paper.authors)])


class SvmBaseline:
    """The tf-idf rows of a corpus, and an SVM ranking of all of them per reader."""

    def __init__(self, papers: Sequence[PaperText]) -> None:
        # compute.py, verbatim apart from max_features/min_df/max_df, which it takes from its
        # command line (-n 20000, --min_df 5, --max_df 0.1 by default).
        vectorizer = TfidfVectorizer(
            input="content",
            encoding="utf-8",
            decode_error="replace",
            strip_accents="unicode",
            lowercase=True,
            analyzer="word",
            stop_words="english",
            token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",
            ngram_range=(1, 2),
            max_features=20000,
            norm="l2",
            use_idf=True,
            smooth_idf=True,
            sublinear_tf=True,
            max_df=0.1,
            min_df=5,
        )
        try:
            x = vectorizer.fit_transform([baseline_text(p) for p in papers])
        except ValueError as exc:
            raise Invalid(
                f"arxiv-sanity-lite's tf-idf cannot be fitted on these {len(papers):,} papers "
                f"({exc}); it needs at least 50"
            ) from None
        self.x = sp.csr_matrix(x, dtype=np.float32)
        self.ids = [p.id for p in papers]

    def scores(self, positives: Sequence[int], C: float = 0.01) -> npt.NDArray[np.float64]:
        """serve.py's `svm_rank`: y = 1 for the reader's papers (row indices), 0 for every
        other paper; the decision function over all papers."""
        y = np.zeros(self.x.shape[0], dtype=np.float32)
        y[list(positives)] = 1.0
        clf = LinearSVC(class_weight="balanced", verbose=False, max_iter=10000, tol=1e-6, C=C)
        with warnings.catch_warnings():
            # arxiv-sanity-lite runs with whatever liblinear reaches in max_iter, and so do we.
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(self.x, y)
        return np.asarray(clf.decision_function(self.x), dtype=np.float64)
