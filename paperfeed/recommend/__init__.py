"""Recommendations for readers: papers as features (`features`), a reader's ranking from their
signals (`ranker`, pure), arxiv-sanity-lite's SVM as the baseline (`baseline`) and the
evaluation with readers simulated from relevance judgments (`evaluation`)."""
