"""`digest send`: compose every due digest, record it in the ledger, send it, record that.

The guarantee (docs/digests.md): every due digest is handed to the mail server at least once,
and more than once only if this process died during that digest's own SMTP transaction (after
its claim, before its completion was recorded); the resend then carries the same Message-ID
and the same papers, so mail clients collapse the two. One sender runs at a time (a lease row).
Papers the curators hid are never sent: a period's papers leave them out, and a digest is
checked again just before it goes (a resend drops papers hidden since its claim). A subscriber
whose address is a member's gets what the member follows as rules of the subscription, less
the papers they marked "not interested", and a few papers recommended for them; the ledger
keeps those too, so a resend is the same digest.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from paperfeed.clock import Clock
from paperfeed.digest.compose import (
    MAX_RECOMMENDED,
    Digest,
    DigestItem,
    SearchFn,
    compose,
    index_period,
    reason_line,
    run_saved_searches,
    with_follows,
    without,
)
from paperfeed.digest.links import Links
from paperfeed.digest.render import digest_message
from paperfeed.digest.schedule import (
    PERIODS,
    digest_kind,
    due_at,
    last_completed,
    period_containing,
)
from paperfeed.digest.tokens import message_id
from paperfeed.errors import DeliveryFailed, NotFound
from paperfeed.mail.message import Mail
from paperfeed.mail.smtp import Deferred, Refused, SmtpClient
from paperfeed.models import Paper, Subscription
from paperfeed.periods import Period
from paperfeed.search.rules import Rules, rules_of
from paperfeed.store import Store
from paperfeed.store.deliveries import SETTLED, Delivery
from paperfeed.store.leases import LeaseHolder, holder_gone

LEASE = "digest-send"
LEASE_SECONDS = 120.0
PAUSE_AFTER = 3  # permanent failures in a row before a subscription is paused
DEDUP_DAYS = 8  # papers sent within this many days are not sent again
CLAIM_BATCH = 200


@dataclass(slots=True)
class SendSummary:
    periods: list[str] = field(default_factory=list)
    due: int = 0
    empty: int = 0
    sent: int = 0
    resent: int = 0  # of these, digests an earlier run had claimed and not finished
    deferred: int = 0
    failed: int = 0
    paused: list[str] = field(default_factory=list)
    already: int = 0  # due digests a previous run had sent

    def line(self) -> str:
        text = (
            f"{', '.join(self.periods)}: {self.due} due, {self.sent} sent"
            f" ({self.resent} resumed), {self.already} already sent, {self.empty} empty,"
            f" {self.deferred} deferred, {self.failed} refused"
        )
        if self.paused:
            text += f"; paused: {', '.join(self.paused)}"
        return text


@dataclass(frozen=True, slots=True)
class Plan:
    """One period's due work: subscribers to compose for, and outstanding ledger rows."""

    period: Period
    fresh: list[Subscription]
    outstanding: list[tuple[Subscription, Delivery]]
    already: int


def plan(
    store: Store,
    now: datetime,
    *,
    kinds: Sequence[str] = PERIODS,
    period: Period | None = None,
    to: str | None = None,
    catching_up: bool = False,
) -> list[Plan]:
    """What is due at `now`: for each kind, its last completed period, for subscribers whose
    sending hour has come (an explicit `period` is due at once, for its kind only). When
    `catching_up` on a period missed while the site was down, only those who had subscribed
    by the time it came due get it."""
    plans = []
    for kind in [digest_kind(period)] if period else kinds:
        p = period or last_completed(kind, now)
        subs = store.subscriptions.find(status="active", period=kind)
        if to is not None:
            subs = [s for s in subs if s.email == to]
        if period is None:
            subs = [s for s in subs if now >= due_at(p, s.content.send_hour)]
        elif catching_up:
            subs = [
                s
                for s in subs
                if s.created_at is None or s.created_at <= due_at(p, s.content.send_hour)
            ]
        settled = store.deliveries.settled(p.key)
        by_id = {s.id: s for s in subs}
        outstanding = [
            (by_id[d.subscription_id], d)
            for d in store.deliveries.outstanding(p.key)
            if d.subscription_id in by_id
        ]
        pending = {d.subscription_id for _, d in outstanding}
        fresh = [s for s in subs if s.id not in settled and s.id not in pending]
        plans.append(Plan(p, fresh, outstanding, already=len(settled & by_id.keys())))
    return plans


@dataclass(frozen=True, slots=True)
class PlannedDigests:
    """What a run would do for one period: its plan, and the digests it would compose."""

    plan: Plan
    digests: list[Digest]


def dry_run(
    store: Store,
    *,
    kinds: Sequence[str] = PERIODS,
    period: Period | None = None,
    to: str | None = None,
    search: SearchFn,
) -> list[PlannedDigests]:
    """What `DigestSender.run` would send now, composed and not sent (nothing is recorded)."""
    return [
        PlannedDigests(p, compose_period(store, p.period, p.fresh, search))
        for p in plan(store, store.db.now(), kinds=kinds, period=period, to=to)
    ]


def compose_period(
    store: Store, period: Period, subs: Sequence[Subscription], search: SearchFn
) -> list[Digest]:
    """The digests of `subs` for `period`, empty ones included."""
    if not subs:
        return []
    members = _members(store, subs)
    subs = [with_follows(s, members[s.id].rules) if s.id in members else s for s in subs]
    ids = store.listings.ids_on_days(period.start, period.last)
    new = index_period(store.papers.get_many(ids).values(), store.papers.upvote_counts(ids))
    matches = run_saved_searches(subs, period, search) if new.papers else {}
    sent = store.deliveries.sent_paper_ids(
        [s.id for s in subs], since=period.start_at - timedelta(days=DEDUP_DAYS)
    )
    digests = []
    for s in subs:
        member = members.get(s.id)
        leave_out = sent.get(s.id, set())
        if member is not None:
            leave_out = leave_out | store.library.dismissed(member.user_id, list(new.papers))
        recommended = _recommended(store, member.user_id) if member else []
        digests.append(compose(s, period, new, matches, leave_out, recommended))
    return digests


@dataclass(frozen=True, slots=True)
class Member:
    """The member a subscription's address belongs to, and what they follow."""

    user_id: int
    rules: Rules


def _members(store: Store, subs: Sequence[Subscription]) -> dict[int, Member]:
    """The subscriptions whose address is a member's (by subscription id)."""
    found = {}
    for s in subs:
        user = store.accounts.by_email(s.email)
        if user is not None:
            found[s.id] = Member(user.id, rules_of(store.follows.of(user.id)))
    return found


def _recommended(store: Store, user_id: int) -> list[DigestItem]:
    """The member's stored recommendations, best first, each with its reason; hidden papers
    and those they marked "not interested" left out (a few more are read than are shown, as
    compose leaves out those the digest lists already)."""
    recs = store.recommendations.of(user_id, limit=MAX_RECOMMENDED * 4)
    if not recs:
        return []
    gone = store.library.dismissed(user_id, [r.paper_id for r in recs])
    wanted = [r.paper_id for r in recs if r.paper_id not in gone]
    because = {i for r in recs for i in r.reason.because[:2]}
    papers = store.papers.get_many([*wanted, *sorted(because - set(wanted))])
    upvotes = store.papers.upvote_counts(wanted)
    hidden = store.moderation.hidden_ids()
    titles = {i: p.title for i, p in papers.items()}
    return [
        DigestItem(papers[r.paper_id], upvotes.get(r.paper_id, 0), (reason_line(r.reason, titles),))
        for r in recs
        if r.paper_id in papers and r.paper_id not in gone and r.paper_id not in hidden
    ]


def next_period(store: Store, sub: Subscription, now: datetime) -> Period:
    """The period of the next digest `sub` gets: the last completed one if it is still to be
    sent, else the one in progress (its digest so far)."""
    last = last_completed(sub.content.period, now)
    delivery = store.deliveries.get(sub.id, last.key)
    if delivery is not None and delivery.status in SETTLED:
        return period_containing(sub.content.period, now.date())
    return last


def preview(store: Store, sub: Subscription, now: datetime, search: SearchFn) -> Digest:
    """The next digest of `sub`, as it would be composed now (nothing is recorded)."""
    (digest,) = compose_period(store, next_period(store, sub, now), [sub], search)
    return digest


def content_of(digest: Digest) -> dict[str, object]:
    """What the ledger keeps of a digest, enough to send the same one again."""

    def listed(items: Sequence[DigestItem]) -> list[dict[str, object]]:
        return [{"id": i.paper.arxiv_id, "upvotes": i.upvotes, "why": list(i.why)} for i in items]

    content: dict[str, object] = {"items": listed(digest.items), "more": digest.more}
    if digest.recommended:
        content["recommended"] = listed(digest.recommended)
    return content


def digest_from_content(
    sub: Subscription, period: Period, content: dict[str, object], papers: dict[str, Paper]
) -> Digest:
    def listed(key: str) -> tuple[DigestItem, ...]:
        items = content.get(key, [])
        assert isinstance(items, list)
        return tuple(
            DigestItem(papers[i["id"]], int(i["upvotes"]), tuple(i["why"]))
            for i in items
            if i["id"] in papers
        )

    more = content.get("more", 0)
    return Digest(
        sub,
        period,
        listed("items"),
        more=int(more) if isinstance(more, int) else 0,
        recommended=listed("recommended"),
    )


class DigestSender:
    """One `digest send` run: holds the lease, claims, sends, records."""

    def __init__(
        self,
        store: Store,
        mailer: SmtpClient,
        links: Links,
        search: SearchFn,
        *,
        clock: Clock | None = None,
        on_progress: Callable[[int, int], None] = lambda _done, _total: None,
    ) -> None:
        self.store = store
        self.mailer = mailer
        self.links = links
        self.search = search
        self.clock = clock or store.db.clock
        self.on_progress = on_progress
        self.holder = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._renewed = 0.0

    @contextmanager
    def lease(self) -> Iterator[None]:
        """Hold the sending lease (Busy when another live sender holds it)."""
        now = self.clock()
        me = LeaseHolder(
            self.holder,
            socket.gethostname(),
            os.getpid(),
            now + timedelta(seconds=LEASE_SECONDS),
        )
        self.store.deliveries.acquire_lease(LEASE, me, now, holder_gone)
        self._renewed = time.monotonic()
        try:
            yield
        finally:
            self.store.deliveries.release_lease(LEASE, self.holder)

    def _keep_lease(self) -> None:
        if time.monotonic() - self._renewed < LEASE_SECONDS / 4:
            return
        until = self.clock() + timedelta(seconds=LEASE_SECONDS)
        if not self.store.deliveries.renew_lease(LEASE, self.holder, until):
            raise DeliveryFailed("lost the sending lease to another `digest send`; stopped")
        self._renewed = time.monotonic()

    def run(
        self,
        *,
        kinds: Sequence[str] = PERIODS,
        period: Period | None = None,
        to: str | None = None,
        catching_up: bool = False,
    ) -> SendSummary:
        """Send what is due (see `plan`; `catching_up` on a period missed while down)."""
        summary = SendSummary()
        with self.lease(), ThreadPoolExecutor(1, thread_name_prefix="render") as renderer:
            plans = plan(
                self.store,
                self.clock(),
                kinds=kinds,
                period=period,
                to=to,
                catching_up=catching_up,
            )
            if to is not None and not any(p.fresh or p.outstanding or p.already for p in plans):
                self._explain_not_due(to)
            total = sum(len(p.fresh) + len(p.outstanding) for p in plans)
            done = 0
            for p in plans:
                summary.periods.append(p.period.key)
                summary.due += len(p.fresh) + len(p.outstanding) + p.already
                summary.already += p.already
                work: list[tuple[Subscription, Delivery, Digest | None]] = []
                for d in compose_period(self.store, p.period, p.fresh, self.search):
                    if d.is_empty:
                        summary.empty += 1
                        done += 1
                    else:
                        work.append((d.subscription, self._new_delivery(d), d))
                self.on_progress(done, total)
                work += [(s, d, None) for s, d in p.outstanding]
                for i in range(0, len(work), CLAIM_BATCH):
                    batch = work[i : i + CLAIM_BATCH]
                    self._keep_lease()
                    won = self.store.deliveries.claim(
                        [d for _, d, _ in batch], self.holder, self.clock()
                    )
                    claimed = self._drop_emptied(self._materialise(p.period, batch, won), summary)
                    # Rendering runs in a second thread while this one waits on the server.
                    mails = renderer.map(lambda c: digest_message(c[2], self.links), claimed)
                    for (sub, delivery, _digest, resumed), mail in zip(claimed, mails, strict=True):
                        if self._send_one(sub, delivery, mail, summary) and resumed:
                            summary.resent += 1
                        self._keep_lease()
                    done += len(batch)
                    self.on_progress(done, total)
        return summary

    def _explain_not_due(self, to: str) -> None:
        sub = self.store.subscriptions.by_email(to)
        if sub is None:
            raise NotFound(f"no subscription for {to}")
        if sub.status != "active":
            raise NotFound(f"the subscription of {to} is {sub.status}, not active")

    def _new_delivery(self, digest: Digest) -> Delivery:
        sub = digest.subscription
        return Delivery(
            subscription_id=sub.id,
            period_key=digest.period.key,
            status="new",
            message_id=message_id(self.links.secret, sub.id, digest.period.key, self.links.domain),
            content=content_of(digest),
            holder=self.holder,
        )

    def _materialise(
        self,
        period: Period,
        batch: Sequence[tuple[Subscription, Delivery, Digest | None]],
        won: Sequence[Delivery],
    ) -> list[tuple[Subscription, Delivery, Digest, bool]]:
        """The claimed part of `batch`, each with its digest and whether an earlier run
        claimed it first. A resumed digest is rebuilt from the ledger's content, so it lists
        the papers first chosen; papers hidden by the curators meanwhile are left out."""
        held = {(d.subscription_id, d.period_key): d for d in won}
        mine = [
            (s, held[(d.subscription_id, d.period_key)], g)
            for s, d, g in batch
            if (d.subscription_id, d.period_key) in held
        ]
        missing = [
            str(i["id"])
            for _, d, g in mine
            if g is None
            for key in ("items", "recommended")
            for i in d.content.get(key, [])
        ]
        papers = self.store.papers.get_many(missing) if missing else {}
        hidden = self.store.moderation.hidden_ids() if mine else set()
        return [
            (
                s,
                d,
                without(g or digest_from_content(s, period, d.content, papers), hidden),
                g is None,
            )
            for s, d, g in mine
        ]

    def _drop_emptied(
        self, claimed: list[tuple[Subscription, Delivery, Digest, bool]], summary: SendSummary
    ) -> list[tuple[Subscription, Delivery, Digest, bool]]:
        """`claimed` less the digests whose every paper was hidden after they were composed:
        those are settled unsent (as `sent`, the ledger's one final state that is not a
        failure), so that no later run tries them again."""
        for _sub, delivery, digest, _resumed in claimed:
            if digest.is_empty:
                self.store.deliveries.mark_sent(delivery, self.clock(), reset_failures=False)
                summary.empty += 1
        return [c for c in claimed if not c[2].is_empty]

    def _send_one(
        self, sub: Subscription, delivery: Delivery, mail: Mail, summary: SendSummary
    ) -> bool:
        """Send one claimed digest and record the outcome; True when it was sent."""
        ledger = self.store.deliveries
        try:
            self.mailer.send(mail)
        except Refused as exc:
            summary.failed += 1
            if ledger.mark_failed(delivery, str(exc), self.clock(), PAUSE_AFTER):
                summary.paused.append(sub.email)
            return False
        except Deferred as exc:
            summary.deferred += 1
            ledger.mark_deferred(delivery, str(exc))
            return False
        ledger.mark_sent(delivery, self.clock(), reset_failures=sub.failures > 0)
        summary.sent += 1
        return True
