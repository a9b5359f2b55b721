"""How a running site logs: one format for `paperfeed serve`, each of its worker processes and
`paperfeed worker`, with the process id on every line (so the lines of N workers can be told
apart). Normal events (start-up, job runs, requests) are INFO; WARNING is for what an operator
should look at. Imports no web framework: `paperfeed worker` uses it too."""

from __future__ import annotations

import logging.config
from typing import Any

FORMAT = "%(levelname)s [%(process)d] %(name)s: %(message)s"


def log_config() -> dict[str, Any]:
    """The `logging.config.dictConfig` of a site's processes. uvicorn applies it (`log_config`)
    in the parent and again in every worker process it starts, which inherit nothing else."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"paperfeed": {"format": FORMAT}},
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
            "uvicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": "INFO"},
    }


def configure_logging() -> None:
    logging.config.dictConfig(log_config())
