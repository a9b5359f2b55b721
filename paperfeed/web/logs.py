"""How a running site logs: one format for `paperfeed serve`, each of its worker processes and
`paperfeed worker`, with the process id on every line (so the lines of N workers can be told
apart). Normal events (start-up, job runs, requests) are INFO; WARNING is for what an operator
should look at. Imports no web framework: `paperfeed worker` uses it too."""

from __future__ import annotations

import logging.config
import re
from typing import Any

FORMAT = "%(levelname)s [%(process)d] %(name)s: %(message)s"
_PRIVATE_FEED = re.compile(r"(/feeds/private/)[^/.?\s]+")


class MaskFeedTokens(logging.Filter):
    """A request line names its path, and a private feed's path holds its secret token: the
    access log writes `/feeds/private/***.atom` instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(isinstance(a, str) and "/private/" in a for a in args):
            record.args = tuple(
                _PRIVATE_FEED.sub(r"\1***", a) if isinstance(a, str) else a for a in args
            )
        return True


def log_config() -> dict[str, Any]:
    """The `logging.config.dictConfig` of a site's processes. uvicorn applies it (`log_config`)
    in the parent and again in every worker process it starts, which inherit nothing else."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"paperfeed": {"format": FORMAT}},
        "filters": {"feed_tokens": {"()": MaskFeedTokens}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "paperfeed",
                "stream": "ext://sys.stderr",
            },
            # uvicorn's split, kept: requests on stdout, everything else on stderr.
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "paperfeed",
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "uvicorn": {"level": "INFO"},
            "uvicorn.access": {
                "handlers": ["stdout"],
                "level": "INFO",
                "propagate": False,
                "filters": ["feed_tokens"],
            },
        },
        "root": {"handlers": ["stderr"], "level": "INFO"},
    }


def configure_logging() -> None:
    logging.config.dictConfig(log_config())
