"""What every command shares: the settings the root group resolved, opening the store and
search, consoles, progress bars, dates from flags, and domain errors turned into clean exits."""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from paperfeed.errors import Invalid, PaperfeedError
from paperfeed.settings import Settings

# The store, search and progress bars are imported where they are used: the root group
# imports this module for every command, and a parser process for an import imports it again.
if TYPE_CHECKING:
    from rich.progress import Progress

    from paperfeed.search import SearchService
    from paperfeed.store import Store

F = TypeVar("F", bound=Callable[..., Any])

err = Console(stderr=True, highlight=False)
out = Console(highlight=False)
FILE = click.Path(path_type=Path)


def fail(message: str) -> NoReturn:
    # The message may quote user input or a server's text: never read it as markup, never wrap.
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True, soft_wrap=True)
    sys.exit(1)


def handle_errors(fn: F) -> F:
    """Turn paperfeed's own errors into a one-line message and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PaperfeedError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            err.print(
                "interrupted: every completed batch is saved; run the command again to continue"
            )
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def settings() -> Settings:
    obj = click.get_current_context().obj
    assert isinstance(obj, Settings)
    return obj


def open_store() -> Store:
    from paperfeed.store import Store

    s = settings()
    return Store.open(s.database_url, follow=s.followed)


def say(text: str) -> None:
    """A line of output, printed as is: no markup, whatever it quotes, and never wrapped (a
    script reading it gets one line per line)."""
    out.print(text, markup=False, soft_wrap=True)


def note(text: str) -> None:
    """A line for the operator on stderr, printed as is."""
    err.print(text, markup=False, soft_wrap=True)


def parse_date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{flag} must be a date like 2024-10-25, got {value!r}") from None


def progress(*, unit_bytes: bool = False) -> Progress:
    """A progress bar on stderr, shown only on a terminal."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        DownloadColumn() if unit_bytes else MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
        disable=not err.is_terminal,
    )


def stage_progress() -> tuple[Progress, Callable[[str, int, int], None]]:
    """A progress bar per stage of a job that reports `update(stage, done, total)`."""
    bars = progress()
    tasks: dict[str, Any] = {}
    started: dict[str, float] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(stage, total=total, rate="")
            started[stage] = time.monotonic()
        rate = done / max(time.monotonic() - started[stage], 1e-9)
        bars.update(tasks[stage], completed=done, total=total, rate=f"{rate:,.0f} papers/s")

    return bars, update


def open_search(store: Store, model: str | None = None) -> SearchService:
    """The search service over `store`, with `model` or the configured embedding model."""
    from paperfeed.search import SearchService

    s = settings()
    return SearchService.open(store, s.data_dir, model=model or s.search_model)
