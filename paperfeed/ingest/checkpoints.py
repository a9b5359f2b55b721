"""OAI-PMH harvests that survive being stopped. Each page's records are written in one
transaction together with the resumption token of the next page (the harvest's resume point,
kept in the store's checkpoints with the harvest's set and window), so a harvest killed or
failed mid-way is resumed after its last written page, never losing or repeating one. A
finished harvest forgets its resume point and remembers the last day it harvested, where the
next harvest of the set starts by default."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from paperfeed.errors import Invalid
from paperfeed.ingest.http import PoliteClient
from paperfeed.ingest.oai import Harvest, OaiError, OaiPage, harvest_pages
from paperfeed.ingest.runner import MAX_KEPT_ERRORS, run_import
from paperfeed.models import BatchCounts, IngestSummary, RecordError
from paperfeed.store import Store

SOURCE = "oai"


def _last_key(set_spec: str | None) -> str:
    return f"oai:{set_spec or '*'}:last"


def _resume_key(set_spec: str | None) -> str:
    return f"oai:{set_spec or '*'}:resume"


@dataclass(frozen=True, slots=True)
class ResumePoint:
    """An unfinished harvest: its window, the token of its next page, and how far it got."""

    set_spec: str | None
    since: date
    until: date | None
    token: str
    pages: int
    response_date: str | None = None
    complete_size: int | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "set": self.set_spec,
                "from": self.since.isoformat(),
                "until": self.until.isoformat() if self.until else None,
                "token": self.token,
                "pages": self.pages,
                "response_date": self.response_date,
                "complete_size": self.complete_size,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> ResumePoint:
        data = json.loads(text)
        return cls(
            set_spec=data["set"],
            since=date.fromisoformat(data["from"]),
            until=date.fromisoformat(data["until"]) if data["until"] else None,
            token=data["token"],
            pages=int(data["pages"]),
            response_date=data.get("response_date"),
            complete_size=data.get("complete_size"),
        )

    def describe(self) -> str:
        return f"{_describe(self.set_spec, self.since, self.until)}, after page {self.pages}"


def _describe(set_spec: str | None, since: date, until: date | None) -> str:
    window = f"from {since.isoformat()}" + (f" until {until.isoformat()}" if until else "")
    return f"the harvest of {f'set {set_spec}' if set_spec else 'all sets'} {window}"


def resume_point(store: Store, set_spec: str | None) -> ResumePoint | None:
    """The unfinished harvest of `set_spec`, if there is one."""
    stored = store.checkpoints.get(_resume_key(set_spec))
    return ResumePoint.from_json(stored) if stored is not None else None


def last_harvested(store: Store, set_spec: str | None) -> date | None:
    """The day the last finished harvest of `set_spec` reached."""
    stored = store.checkpoints.get(_last_key(set_spec))
    return date.fromisoformat(stored) if stored is not None else None


@dataclass(frozen=True, slots=True)
class _Plan:
    since: date
    until: date | None
    resume: ResumePoint | None


def _plan(
    store: Store,
    set_spec: str | None,
    since: date | None,
    until: date | None,
    log: Callable[[str], None],
) -> _Plan:
    """Resume the unfinished harvest of the set when asked for its very window, or for no
    start at all; otherwise start at `since`, or at the last day harvested."""
    point = resume_point(store, set_spec)
    if point is not None and since is None:
        if until not in (None, point.until):
            raise Invalid(
                f"{point.describe()} is unfinished: run it again without --until to finish "
                "it, or give --from to start another"
            )
        since, until = point.since, point.until
    if point is not None and since is not None:
        if (since, until) == (point.since, point.until):
            log(f"resuming {point.describe()}")
            return _Plan(since, until, point)
        log(f"dropping {point.describe()}: starting {_describe(set_spec, since, until)}")
    if since is None:
        since = last_harvested(store, set_spec)
        if since is None:
            raise Invalid("no earlier harvest of this set: give --from DATE")
    if until is not None and until < since:
        raise Invalid("--until is before --from")
    return _Plan(since, until, None)


def _last_day(until: date | None, done: Harvest) -> date | None:
    """Where a finished harvest stopped: `until`, else the day the server answered its first
    page (records changed later may be missing from the list)."""
    if until is not None:
        return until
    return date.fromisoformat(done.response_date[:10]) if done.response_date else None


def _add(total: IngestSummary, part: IngestSummary) -> None:
    total.counts.add(part.counts)
    total.skipped += part.skipped
    total.errors.extend(part.errors[: max(0, MAX_KEPT_ERRORS - len(total.errors))])
    total.daily_entries += part.daily_entries
    total.announcements += part.announcements


def _combined(total: IngestSummary, part: IngestSummary) -> IngestSummary:
    both = replace(total, counts=BatchCounts(), errors=list(total.errors))
    both.counts.add(total.counts)
    _add(both, part)
    return both


def run_harvest(
    store: Store,
    client: PoliteClient,
    base_url: str,
    *,
    set_spec: str | None = None,
    since: date | None = None,
    until: date | None = None,
    batch_size: int = 1000,
    on_error: Callable[[RecordError], None] | None = None,
    on_batch: Callable[[IngestSummary, int], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[IngestSummary, Harvest]:
    """Harvest the records of `set_spec` (all sets when None) changed in [since, until] from
    the OAI-PMH endpoint at `base_url` into the store.

    Writes one transaction per page (its records in batches of `batch_size`, and the token
    of the next page), on purpose: a harvest that fails (Upstream) or is killed keeps every
    written page, and running it again (same window, or `since=None`) resumes after them.
    Without `since` and nothing unfinished it starts at the last day harvested; Invalid when
    there is none. A resume point whose token has expired starts the window over. `log`
    hears about resuming, restarting and dropping an unfinished harvest; `on_error` and
    `on_batch` are `run_import`'s (`on_batch` sees the whole harvest's summary so far)."""
    say = log or (lambda _message: None)
    plan = _plan(store, set_spec, since, until, say)
    summary = IngestSummary(source=SOURCE)

    def batch_written(page_so_far: IngestSummary, records: int) -> None:
        if on_batch is not None:
            on_batch(_combined(summary, page_so_far), records)

    def harvest_from(plan: _Plan, done: Harvest) -> Harvest:
        pages = harvest_pages(
            client,
            base_url,
            since=plan.since,
            until=plan.until,
            set_spec=set_spec,
            token=plan.resume.token if plan.resume else None,
        )
        for page in pages:  # fetched outside the transaction: it must not wait on the network
            done.add(page)
            with store.transaction():
                written = run_import(
                    store,
                    page.items,
                    SOURCE,
                    batch_size=batch_size,
                    on_error=on_error,
                    on_batch=batch_written,
                )
                _record_progress(store, set_spec, plan, done, page)
            _add(summary, written)
        return done

    if plan.resume is None:
        return summary, harvest_from(plan, Harvest())
    resumed = _resumed(plan.resume)
    try:
        return summary, harvest_from(plan, resumed)
    except OaiError as exc:
        # Only the stored token can have expired: the one asked for first.
        if exc.code != "badResumptionToken" or resumed.pages > plan.resume.pages:
            raise
        say(
            f"the resumption token of {plan.resume.describe()} has expired: "
            f"harvesting again from {plan.since.isoformat()}"
        )
    return summary, harvest_from(replace(plan, resume=None), Harvest(restarted=True))


def _resumed(point: ResumePoint) -> Harvest:
    return Harvest(
        pages=point.pages,
        complete_size=point.complete_size,
        response_date=point.response_date,
        first_page=point.pages + 1,
    )


def _record_progress(
    store: Store, set_spec: str | None, plan: _Plan, done: Harvest, page: OaiPage
) -> None:
    """After a page: the token of the next one, or, after the last, the day reached."""
    if page.resumption_token:
        point = ResumePoint(
            set_spec=set_spec,
            since=plan.since,
            until=plan.until,
            token=page.resumption_token,
            pages=done.pages,
            response_date=done.response_date,
            complete_size=done.complete_size,
        )
        store.checkpoints.set(_resume_key(set_spec), point.to_json())
        return
    store.checkpoints.delete(_resume_key(set_spec))
    last = _last_day(plan.until, done)
    if last is not None:
        store.checkpoints.set(_last_key(set_spec), last.isoformat())
