"""Making thumbnails for the papers people are looking at: those of the latest days the site
lists, most upvoted first, a bounded batch per run. A paper imported from Hugging Face with a
thumbnail gets HF's (downloaded, so that visitors' browsers never call a third party); any
other arXiv paper the first page of its PDF. A paper whose thumbnail cannot be made is tried
again a few times, hours apart, and then left to its placeholder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from paperfeed.errors import Upstream
from paperfeed.feed.listings import front_day
from paperfeed.ingest.http import PoliteClient, Response
from paperfeed.models import HfFields, Paper
from paperfeed.store import Store
from paperfeed.thumbnails.files import Failure, ThumbnailFiles
from paperfeed.thumbnails.images import ThumbnailFailed, render_first_page, scaled_image

# The latest days with papers whose thumbnails are made (older pages keep their placeholders).
DAYS = 3
# Papers of those days looked at, most upvoted first; a site following every arXiv category
# lists more, and those below this many go without.
CANDIDATES = 1000
# Thumbnails made per run: at `http_delay` = 3 s a run takes about two minutes.
BATCH = 40
# A failed paper is tried again 6 hours later, then 12, and after MAX_ATTEMPTS no more.
FIRST_RETRY = timedelta(hours=6)
MAX_ATTEMPTS = 3
MAX_PDF_BYTES = 64 << 20
MAX_IMAGE_BYTES = 8 << 20
_HF_HOST = "huggingface.co"


@dataclass(frozen=True, slots=True)
class Sources:
    """Where thumbnails come from: arXiv's PDFs (`pdf_url`/<id>v<version>) and Hugging Face
    (`hf_url`), whose thumbnail URLs are followed only to its own hosts."""

    pdf_url: str
    hf_url: str


@dataclass(slots=True)
class ThumbnailReport:
    """What a run did over the days `first` to `last`."""

    first: date
    last: date
    from_pdf: int = 0
    from_hf: int = 0
    failed: int = 0
    left: int = 0  # waiting for a later run (past the batch)
    errors: list[str] = field(default_factory=list)

    def line(self) -> str | None:
        """One line for the job's record; None when the run had nothing to do."""
        if not (self.from_pdf or self.from_hf or self.failed):
            return None
        text = (
            f"{self.first} to {self.last}: {self.from_pdf} rendered from arXiv PDFs, "
            f"{self.from_hf} from Hugging Face, {self.failed} failed"
        )
        if self.left:
            text += f", {self.left} left for the next runs"
        if self.errors:
            text += f" ({self.errors[0]})"
        return text


def may_try(failure: Failure | None, now: datetime) -> bool:
    """Whether a paper whose attempts failed as `failure` says is due for another one."""
    if failure is None:
        return True
    if failure.attempts >= MAX_ATTEMPTS:
        return False
    return now >= failure.last + FIRST_RETRY * (1 << (failure.attempts - 1))


def hf_thumbnail(fields: HfFields | None, hf_url: str) -> str | None:
    """HF's thumbnail URL of an imported paper, if it points at Hugging Face (huggingface.co
    and its subdomains, or the host of `hf_url`): a URL in an imported file is not a reason to
    make requests to anywhere else."""
    item = fields.fields.get("item") if fields is not None else None
    url = item.get("thumbnail") if isinstance(item, dict) else None
    if not isinstance(url, str):
        return None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    trusted = (
        parts.netloc == urlsplit(hf_url).netloc or host == _HF_HOST or host.endswith("." + _HF_HOST)
    )
    return url.strip() if parts.scheme in ("https", "http") and trusted else None


def pdf_url(paper: Paper, base: str) -> str:
    """The PDF of the paper's latest known version (a versioned URL never changes)."""
    version = f"v{paper.version}" if paper.version else ""
    return f"{base.rstrip('/')}/{paper.arxiv_id}{version}"


def latest_days(store: Store, today: date, count: int = DAYS) -> tuple[date, date]:
    """The first and last of the `count` latest days the site lists papers on (the last is the
    day the front page shows)."""
    last = first = front_day(store, today)
    for _ in range(count - 1):
        before, _after = store.listings.neighbour_days(first)
        if before is None:
            break
        first = before
    return first, last


def make_thumbnails(
    store: Store,
    files: ThumbnailFiles,
    client: PoliteClient,
    sources: Sources,
    now: datetime,
    *,
    batch: int = BATCH,
    log: Callable[[str], None] = lambda _line: None,
) -> ThumbnailReport:
    """Make the missing thumbnails of the latest days' papers, at most `batch` of them. A
    thumbnail made is kept even if a later paper fails; an arXiv or HF that does not answer
    at all (Upstream, after the client's retries) ends the run, counted against that paper."""
    files.sweep()
    first, last = latest_days(store, now.date())
    listed = store.listings.featured(first, last, limit=CANDIDATES).items
    missing = [
        item.paper
        for item in listed
        if not files.has(item.paper.arxiv_id) and may_try(files.failure(item.paper.arxiv_id), now)
    ]
    hf = store.hf.get_many([p.arxiv_id for p in missing])
    plans = [(p, hf_thumbnail(hf.get(p.arxiv_id), sources.hf_url)) for p in missing]
    plans = [(p, url) for p, url in plans if url is not None or p.is_arxiv]
    report = ThumbnailReport(first, last, left=max(0, len(plans) - batch))
    for paper, hf_url in plans[:batch]:
        try:
            image, source = _make(client, paper, hf_url, sources.pdf_url, log)
        except ThumbnailFailed as exc:
            failure = files.record_failure(paper.arxiv_id, now, str(exc))
            log(f"thumbnail of {paper.arxiv_id} failed (attempt {failure.attempts}): {exc}")
            report.failed += 1
            report.errors.append(f"{paper.arxiv_id}: {exc}")
            continue
        except Upstream as exc:
            files.record_failure(paper.arxiv_id, now, str(exc))
            raise
        files.save(paper.arxiv_id, image)
        if source == "hf":
            report.from_hf += 1
        else:
            report.from_pdf += 1
    return report


def _make(
    client: PoliteClient,
    paper: Paper,
    hf_url: str | None,
    pdf_base: str,
    log: Callable[[str], None],
) -> tuple[bytes, str]:
    """The thumbnail image and where it came from: HF's when it has one that works, else page
    1 of the arXiv PDF."""
    if hf_url is not None:
        try:
            return scaled_image(_get(client, hf_url, "Hugging Face", MAX_IMAGE_BYTES)), "hf"
        except ThumbnailFailed as exc:
            if not paper.is_arxiv:
                raise
            log(f"HF's thumbnail of {paper.arxiv_id} is unusable ({exc}); rendering the PDF")
    pdf = _get(client, pdf_url(paper, pdf_base), "arXiv", MAX_PDF_BYTES)
    return render_first_page(pdf), "pdf"


def _get(client: PoliteClient, url: str, what: str, limit: int) -> bytes:
    def body(response: Response) -> bytes:
        if response.status != 200:
            raise ThumbnailFailed(f"{what} answered HTTP {response.status} for {url}")
        if len(response.content) > limit:
            raise ThumbnailFailed(f"{url} is {len(response.content):,} bytes (at most {limit:,})")
        return response.content

    return client.fetch(url, None, body, what=what)
