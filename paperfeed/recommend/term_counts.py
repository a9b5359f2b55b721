"""Papers' term counts in each keyword view, kept from one daily run to the next.

A reader's papers are much the same from one day to the next, and counting their terms (the
views' analyzers, in Python) was most of turning them into feature rows again every day: the
counts are kept here, keyed by paper id and a digest of the text they were counted from, for
the fitted space they were counted over (`FeatureSpace.fingerprint`). A paper whose title or
abstract changed is counted again; a space fitted again starts the counts over. The rest of a
row (the tf-idf weights and the LSA) is recomputed from the counts: cheap, and it keeps the
file small (a kilobyte or so a paper).
"""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

log = logging.getLogger(__name__)

Matrix: TypeAlias = sp.csr_matrix
Counter = Callable[[Sequence[str]], Matrix]  # texts -> a row of counts each


def digest(text: str) -> int:
    """A 64-bit digest of the text a paper's counts were made from."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


@dataclass(slots=True)
class TermCounts:
    """Counts per view (`views`: kind -> a row per paper in `ids`), over the space whose
    fingerprint is `space`."""

    space: str
    ids: list[str] = field(default_factory=list)
    digests: npt.NDArray[np.uint64] = field(default_factory=lambda: np.zeros(0, np.uint64))
    views: dict[str, Matrix] = field(default_factory=dict)
    _where: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._where = {pid: i for i, pid in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)

    def counts(
        self, ids: Sequence[str], texts: Sequence[str], counters: dict[str, Counter]
    ) -> dict[str, Matrix]:
        """The counts of each paper (`ids`, `texts`) in each view, counting (with the view's
        counter) only the papers not kept, or whose text changed; those are kept too."""
        digests = np.array([digest(t) for t in texts], dtype=np.uint64)
        rows = np.array([self._where.get(pid, -1) for pid in ids], dtype=np.int64)
        known = rows >= 0
        known[known] = self.digests[rows[known]] == digests[known]
        hit, miss = np.flatnonzero(known), np.flatnonzero(~known)
        # Rows as they come out of vstack (the kept ones, then the counted ones), put back in
        # the order asked.
        back = np.argsort(np.concatenate([hit, miss]), kind="stable")
        out: dict[str, Matrix] = {}
        counted: dict[str, Matrix] = {}
        for kind, count in counters.items():
            counted[kind] = sp.csr_matrix(
                count([texts[i] for i in miss.tolist()]), dtype=np.float32
            )
            kept = self.views.get(kind)
            if kept is None or kept.shape[1] != counted[kind].shape[1]:
                kept = sp.csr_matrix((len(self.ids), counted[kind].shape[1]), dtype=np.float32)
                self.views[kind] = kept
            both = sp.vstack([kept[rows[hit]], counted[kind]], format="csr")
            out[kind] = sp.csr_matrix(both[back], dtype=np.float32)
        if len(miss):
            self._add([ids[i] for i in miss.tolist()], digests[miss], counted)
        return out

    def _add(
        self, ids: list[str], digests: npt.NDArray[np.uint64], counted: dict[str, Matrix]
    ) -> None:
        fresh = {pid: n for n, pid in enumerate(ids)}  # a paper asked twice: its last row
        order = np.array(sorted(fresh.values()), dtype=np.intp)
        stale = [self._where[pid] for pid in fresh if pid in self._where]
        keep = np.setdiff1d(np.arange(len(self.ids)), np.array(stale, dtype=np.intp))
        self.ids = [self.ids[i] for i in keep] + [ids[i] for i in order]
        self.digests = np.concatenate([self.digests[keep], digests[order]])
        for kind, m in counted.items():
            self.views[kind] = sp.vstack([self.views[kind][keep], m[order]], format="csr")
        self._where = {pid: i for i, pid in enumerate(self.ids)}

    def only(self, ids: Collection[str]) -> TermCounts:
        """The counts of the papers among `ids` (what is worth keeping for the next run)."""
        keep = [i for i, pid in enumerate(self.ids) if pid in ids]
        return TermCounts(
            self.space,
            [self.ids[i] for i in keep],
            self.digests[keep],
            {kind: m[keep] for kind, m in self.views.items()},
        )

    def save(self, path: Path) -> None:
        """Write the counts to `path` (`.npz`, no pickles), atomically."""
        arrays: dict[str, Any] = {
            "space": np.array(self.space),
            "ids": np.array(self.ids, dtype=str),
            "digests": self.digests,
        }
        for kind, m in self.views.items():
            arrays[f"{kind}_indptr"] = m.indptr.astype(np.int64)
            arrays[f"{kind}_indices"] = m.indices.astype(np.int32)
            arrays[f"{kind}_data"] = m.data.astype(np.float32)
            arrays[f"{kind}_width"] = np.array(m.shape[1])
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(buffer.getvalue())
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, space: str) -> TermCounts:
        """The counts saved at `path` for the space `space`; none (an empty set) when there is
        no file, it is unreadable, or it was made over another space."""
        if not path.exists():
            return cls(space)
        try:
            # Opened here: np.load leaves a file it cannot read open.
            with path.open("rb") as file, np.load(file, allow_pickle=False) as data:
                if str(data["space"]) != space:
                    return cls(space)
                ids = data["ids"].tolist()
                views = {}
                for name in data.files:
                    if name.endswith("_width"):
                        kind = name.removesuffix("_width")
                        views[kind] = sp.csr_matrix(
                            (data[f"{kind}_data"], data[f"{kind}_indices"], data[f"{kind}_indptr"]),
                            shape=(len(ids), int(data[name])),
                        )
                return cls(space, ids, data["digests"].astype(np.uint64), views)
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            log.warning("recommendations: term counts at %s unreadable, counting again", path)
            return cls(space)
