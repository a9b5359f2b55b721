"""`paperfeed recommend`: make members' recommendations now (what the `recommendations` job
does every hour), or one member's over the whole store."""

from __future__ import annotations

import json

import click

from paperfeed.cli.common import handle_errors, open_search, open_store, say
from paperfeed.errors import NotFound


@click.command("recommend")
@click.option("--refit", is_flag=True, help="Fit the feature space again on the newest papers.")
@click.option(
    "--user",
    "email",
    default=None,
    metavar="EMAIL",
    help="Only this member, ranked over the whole store (through search) rather than the "
    "newly listed papers.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handle_errors
def recommend(refit: bool, email: str | None, as_json: bool) -> None:
    """Rank the papers listed since the last run for every member who saved or upvoted papers
    (the first run, or --refit, fits the recommender on the store's newest 20,000 papers:
    minutes on a large store). With --user, one member's recommendations from every paper,
    printed with their reasons."""
    from paperfeed.feed.recommending import Recommender, recommend_all, recommend_new

    with open_store() as store:
        search = open_search(store)
        model = search.embedder.name if search.embedder is not None else None
        recommender = Recommender.open(store, search.data_dir, model=model, refit=refit)
        now = store.db.now()
        if email is None:
            report = recommend_new(store, recommender, now)
            if as_json:
                click.echo(
                    json.dumps(
                        {
                            "readers": report.readers if report else 0,
                            "candidates": report.candidates if report else 0,
                            "days": [d.isoformat() for d in report.days] if report else [],
                        }
                    )
                )
            else:
                say(report.line() if report else "no day listed since the last run")
            return
        user = store.accounts.by_email(email.strip().lower())
        if user is None:
            raise NotFound(f"no member with the address {email}")
        search.refresh()  # candidates come through search: index what is new first
        ranked = recommend_all(store, recommender, search, user.id, now)
        papers = store.papers.get_many([pid for pid, _s, _r in ranked])
        if as_json:
            items = [
                {
                    "id": pid,
                    "score": round(score, 4),
                    "because": list(reason.because),
                    "words": list(reason.words),
                    "authors": list(reason.authors),
                    "follows": list(reason.follows),
                }
                for pid, score, reason in ranked
            ]
            click.echo(json.dumps({"user": user.name, "items": items}))
            return
        if not ranked:
            say(f"{user.name} has no saved or upvoted papers yet: nothing to learn from")
        for n, (pid, score, reason) in enumerate(ranked, 1):
            paper = papers.get(pid)
            say(f"{n:>3}. {pid}  {score:6.2f}  {paper.title if paper else ''}")
            why = [f"because {', '.join(reason.because)}"] if reason.because else []
            why += [f"words {', '.join(reason.words)}"] if reason.words else []
            why += [f"follows {', '.join(reason.follows)}"] if reason.follows else []
            say("       " + "; ".join(why))
