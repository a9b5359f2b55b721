"""`paperfeed serve` (the default command) and `paperfeed users …`: running the site and
managing its accounts."""

from __future__ import annotations

import dataclasses

import click

from paperfeed.cli.common import handle_errors, open_store, say, settings
from paperfeed.mail.address import normalize_address
from paperfeed.models import ROLES


@click.command()
@click.option("--demo", is_flag=True, help="On an empty data dir, first load the bundled demo.")
@click.option("--host", default=None, help="Address to listen on [default 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port to listen on [default 8000].")
@click.option(
    "--workers", type=click.IntRange(1), default=None, help="Server processes [default 1]."
)
@handle_errors
def serve(demo: bool, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the web site and its APIs (the default command)."""
    # Imported here: the web stack is slow to import and other commands do not need it.
    from paperfeed.web.server import serve as run_server

    s = settings()
    s = dataclasses.replace(
        s, host=host or s.host, port=port or s.port, workers=workers or s.workers
    )
    run_server(s, demo=demo)


@click.group()
def users() -> None:
    """Community accounts."""


@users.command("list")
@handle_errors
def users_list() -> None:
    """List accounts with their roles."""
    with open_store() as store:
        for user in store.accounts.all(limit=10_000):
            say(f"{user.id:>5}  {user.role:<8} {user.name:<24} {user.email}")


@users.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@handle_errors
def users_role(email: str, role: str) -> None:
    """Give the account of EMAIL a role (the account is created if needed)."""
    address = normalize_address(email)
    with open_store() as store, store.transaction():
        user = store.accounts.ensure_user(address)
        user = store.accounts.set_role(user.id, role)
    say(f"{user.email} is now {user.role}")
