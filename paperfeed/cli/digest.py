"""`paperfeed digest …` (send the due digests, preview one) and `paperfeed subscribers …`."""

from __future__ import annotations

import json

import click

from paperfeed.cli.common import (
    handle_errors,
    note,
    open_search,
    open_store,
    progress,
    say,
    settings,
)
from paperfeed.digest.compose import SearchFn
from paperfeed.digest.deliver import DigestSender, dry_run, preview
from paperfeed.digest.render import digest_html, digest_text
from paperfeed.digest.schedule import PERIODS, digest_kind
from paperfeed.digest.searching import lazy_saved_search
from paperfeed.digest.subscribe import add_confirmed, request_subscription
from paperfeed.errors import Invalid, NotFound
from paperfeed.mail.address import normalize_address
from paperfeed.mail.outbox import Outbox
from paperfeed.mail.smtp import SmtpClient
from paperfeed.models import SubscriptionContent
from paperfeed.periods import parse_key
from paperfeed.search import SearchService
from paperfeed.serialize import subscription_json
from paperfeed.store import Store


def _saved_searches(store: Store) -> SearchFn:
    """Saved searches through the hybrid search, opened on first use only, after indexing the
    papers that arrived since the last index run (a digest is about new papers)."""

    def opened() -> SearchService:
        service = open_search(store)
        service.refresh()
        return service

    return lazy_saved_search(opened, store)


@click.group()
def digest() -> None:
    """E-mail digests: send the due ones, preview one.

    Run `paperfeed digest send` from cron or a systemd timer, e.g. hourly: each run sends
    every digest that is due and not yet sent, exactly once (docs/digests.md).
    """


@digest.command("send")
@click.option(
    "--period",
    "kind",
    type=click.Choice(PERIODS),
    default=None,
    help="Only daily or only weekly subscriptions [default: both].",
)
@click.option(
    "--for",
    "for_period",
    default=None,
    metavar="PERIOD",
    help="Send the digest of this period now, whatever the hour: a day (2026-11-25) or an "
    "ISO week (2026-W47). Default: each subscription's last completed period, once due.",
)
@click.option("--dry-run", "dry", is_flag=True, help="Compose and show what would be sent.")
@click.option("--to", "to", default=None, metavar="ADDRESS", help="Only this subscriber.")
@handle_errors
def digest_send(kind: str | None, for_period: str | None, dry: bool, to: str | None) -> None:
    """Compose each due subscriber's digest and send it over SMTP.

    An empty digest is not sent. Transient SMTP failures are retried with backoff; a
    subscription refused 3 times in a row is paused. Killed at any moment, the next run
    finishes the work without sending any digest twice.
    """
    s = settings()
    period = parse_key(for_period) if for_period is not None else None
    if period is not None and kind is not None and digest_kind(period) != kind:
        raise Invalid(f"--for {for_period} is a {digest_kind(period)} period, not {kind}")
    kinds = (kind,) if kind else PERIODS
    address = normalize_address(to) if to else None
    links = s.links()
    with open_store() as store:
        search = _saved_searches(store)
        if dry:
            for planned in dry_run(store, kinds=kinds, period=period, to=address, search=search):
                p = planned.plan
                say(
                    f"{p.period.key}: {len(planned.digests) + len(p.outstanding)} due, "
                    f"{p.already} already sent, {len(p.outstanding)} to resume"
                )
                for d in planned.digests:
                    first = d.items[0].paper.title if d.items else "(empty: not sent)"
                    say(f"  {d.subscription.email}: {len(d.items) + d.more} paper(s); {first}")
                for sub, delivery in p.outstanding:
                    n = len(delivery.content["items"])
                    say(f"  {sub.email}: {n} paper(s), resumed ({delivery.status})")
            return
        with SmtpClient(s.require_smtp(), log=note) as smtp, progress() as bars:
            task = bars.add_task("digests", total=None, rate="")
            sender = DigestSender(
                store,
                smtp,
                links,
                search,
                on_progress=lambda done, total: bars.update(task, completed=done, total=total),
            )
            summary = sender.run(kinds=kinds, period=period, to=address)
    say(summary.line())


@digest.command("preview")
@click.argument("address")
@click.option("--html", "as_html", is_flag=True, help="Print the HTML part instead of text.")
@handle_errors
def digest_preview(address: str, as_html: bool) -> None:
    """Show the next digest of ADDRESS as it would be composed now."""
    links = settings().links()
    with open_store() as store:
        sub = store.subscriptions.by_email(normalize_address(address))
        if sub is None:
            raise NotFound(f"no subscription for {address}")
        d = preview(store, sub, store.db.now(), _saved_searches(store))
    if d.is_empty:
        say(f"{sub.email}: nothing new so far for {d.period.key}")
        return
    click.echo(digest_html(d, links) if as_html else digest_text(d, links))


@click.group()
def subscribers() -> None:
    """Digest subscriptions, for operators and scripts."""


@subscribers.command("list")
@click.option(
    "--status",
    type=click.Choice(["pending", "active", "paused", "unsubscribed"]),
    default=None,
    help="Only subscriptions in this state.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@handle_errors
def subscribers_list(status: str | None, as_json: bool) -> None:
    """List subscriptions with what they receive."""
    with open_store() as store:
        subs = store.subscriptions.find(status=status)
    for s in subs:
        if as_json:
            click.echo(json.dumps(subscription_json(s)))
            continue
        c = s.content
        what = [f"top {c.top_n}"] if c.top_n else []
        what += [f"search {q!r}" for q in c.queries]
        what += list(c.categories) + [f"author {a!r}" for a in c.authors]
        if c.min_upvotes:
            what.append(f">= {c.min_upvotes} upvotes")
        line = f"{s.email}  {s.status}  {c.period} at {c.send_hour:02d}:00 UTC  {'; '.join(what)}"
        if s.paused_reason:
            line += f"  (paused: {s.paused_reason})"
        say(line)
    if not as_json:
        say(f"{len(subs)} subscription(s)")


@subscribers.command("add")
@click.argument("address")
@click.option(
    "--confirmed",
    is_flag=True,
    help="Active at once. Without it, a confirmation link is e-mailed (double opt-in).",
)
@click.option("--period", type=click.Choice(PERIODS), default="daily", show_default=True)
@click.option(
    "--hour", type=click.IntRange(0, 23), default=6, show_default=True, help="Sending hour, UTC."
)
@click.option("--top", "top_n", type=click.IntRange(0, 100), default=0, help="Top N trending.")
@click.option("--min-upvotes", type=click.IntRange(0), default=0, help="Skip papers with fewer.")
@click.option("--query", "queries", multiple=True, metavar="Q", help="Saved search (repeat).")
@click.option("--category", "categories", multiple=True, metavar="C", help="arXiv category.")
@click.option("--author", "authors", multiple=True, metavar="A", help="Followed author.")
@handle_errors
def subscribers_add(
    address: str,
    confirmed: bool,
    period: str,
    hour: int,
    top_n: int,
    min_upvotes: int,
    queries: tuple[str, ...],
    categories: tuple[str, ...],
    authors: tuple[str, ...],
) -> None:
    """Subscribe ADDRESS (or replace what it receives). With nothing asked for, it gets the
    top 10 trending papers."""
    content = SubscriptionContent(
        period=period,
        send_hour=hour,
        top_n=top_n,
        min_upvotes=min_upvotes,
        queries=queries,
        categories=categories,
        authors=authors,
    )
    s = settings()
    with open_store() as store:
        if confirmed:
            sub = add_confirmed(store, address, content, now=store.db.now())
            say(f"{sub.email} subscribed ({sub.content.period}), active")
            return
        outbox = Outbox(s.smtp(retries=1))
        sub = request_subscription(
            store,
            address,
            content,
            now=store.db.now(),
            links=s.links(),
            send=lambda msg, link: outbox.send(msg, link, "confirmation"),
        )
    if sub.status == "active":
        say(f"{sub.email} is already subscribed; a note was sent to it")
    else:
        say(f"{sub.email}: confirmation link sent; nothing is sent before it is followed")


@subscribers.command("remove")
@click.argument("address")
@handle_errors
def subscribers_remove(address: str) -> None:
    """Delete the subscription of ADDRESS with its delivery history."""
    with open_store() as store:
        if not store.subscriptions.remove(normalize_address(address)):
            raise NotFound(f"no subscription for {address}")
    say(f"{address} removed")
