"""What every command shares (paperfeed/cli/common.py): a domain error is one line on stderr,
quoting the input as given, and exit status 1 (shown on `paperfeed ingest arxiv` against a
replay server on 127.0.0.1)."""

from __future__ import annotations

import pytest
from cli_helpers import Paperfeed, clean_failure

pytestmark = pytest.mark.network


def test_an_error_is_one_line(paperfeed: Paperfeed) -> None:
    """handle_errors promises a one-line message, also when stderr is not a terminal."""
    result = paperfeed("ingest", "arxiv", "--id", "abc,2401.1,hep-th/99", "--id", "0000.0000")
    clean_failure(result, "not an arXiv identifier: 'abc'; not an arXiv identifier: '2401.1'")
    assert len(result.err.splitlines()) == 1, result.err


@pytest.mark.parametrize("given", ["[/]", "[red]2401.1"])
def test_an_error_quotes_the_input_as_given(paperfeed: Paperfeed, given: str) -> None:
    """Brackets in what the user typed are printed as they are, not read as console markup."""
    result = paperfeed("ingest", "arxiv", "--id", given)
    clean_failure(result, f"error: not an arXiv identifier: '{given}'")
