"""`paperfeed users …` on SQLite and PostgreSQL: roles given by e-mail address (checked, the
account created if needed) and the list of accounts."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import run

from paperfeed.store import Store


@pytest.mark.parametrize(
    "address", ["not-an-email", "admin", "boss@", "@example.org", "boss@example", "a b@example.org"]
)
def test_a_role_for_something_that_is_not_an_address_is_refused(
    db_url: str, tmp_path: Path, address: str
) -> None:
    code, out, err = run(db_url, tmp_path, "users", "role", address, "admin")
    assert (code, out) == (1, "")
    assert f"error: not an e-mail address: {address!r}" in " ".join(err.split())
    assert "Traceback" not in err
    with Store.open(db_url) as store:
        assert store.accounts.count() == 0


def test_a_role_is_given_by_address_and_the_account_made_if_needed(
    db_url: str, tmp_path: Path
) -> None:
    code, out, _ = run(db_url, tmp_path, "users", "role", " Boss@Example.org ", "admin")
    assert (code, out) == (0, "boss@example.org is now admin\n")
    code, out, _ = run(db_url, tmp_path, "users", "role", "boss@example.org", "member")
    assert (code, out) == (0, "boss@example.org is now member\n")
    # An address whose name would pass for staff gets a plain display name.
    assert run(db_url, tmp_path, "users", "role", "admin@example.org", "admin")[0] == 0
    code, out, _ = run(db_url, tmp_path, "users", "list")
    assert code == 0
    assert [line.split() for line in out.splitlines()] == [
        ["1", "member", "boss", "boss@example.org"],
        ["2", "admin", "user", "admin@example.org"],
    ]


def test_an_unknown_role_is_refused(db_url: str, tmp_path: Path) -> None:
    code, _, err = run(db_url, tmp_path, "users", "role", "boss@example.org", "owner")
    assert code == 2 and "'owner' is not one of 'admin', 'curator', 'member'" in err
