"""Unsubscribe tokens and message ids (pure): signed for one subscription and address, with one
secret, stable across releases (links in mailed digests must keep working); confirmation tokens
random, stored only as their hash."""

import hashlib

import pytest
from digest_helpers import SECRET

from paperfeed.digest.tokens import (
    hash_token,
    message_id,
    new_confirm_token,
    token_subscription_id,
    unsubscribe_token,
    verify_unsubscribe,
)
from paperfeed.secret import Secret

TOKEN = "7.Bq_CPF_bJGJllkec2VLWKg"  # subscription 7, ada@example.org, SECRET


def test_an_unsubscribe_token_is_the_id_and_a_128_bit_mac() -> None:
    assert unsubscribe_token(SECRET, 7, "ada@example.org") == TOKEN
    assert len(TOKEN.partition(".")[2]) == 22  # 16 bytes in unpadded URL-safe base64


def test_it_verifies_only_for_its_subscription_address_and_secret() -> None:
    assert verify_unsubscribe(SECRET, TOKEN, 7, "ada@example.org")
    assert not verify_unsubscribe(SECRET, TOKEN, 8, "ada@example.org")
    assert not verify_unsubscribe(SECRET, TOKEN, 7, "bob@example.org")  # the address changed
    assert not verify_unsubscribe(Secret("another-secret"), TOKEN, 7, "ada@example.org")


@pytest.mark.parametrize(
    "forged",
    [
        "8.Bq_CPF_bJGJllkec2VLWKg",  # another id with this MAC
        "7.Bq_CPF_bJGJllkec2VLWKh",
        "7.Bq_CPF_bJGJllkec2VLWK",
        "7.Bq_CPF_bJGJllkec2VLWKg=",
        "7.bq_cpf_bjgjllkec2vlwkg",
        "07.Bq_CPF_bJGJllkec2VLWKg",
        " 7.Bq_CPF_bJGJllkec2VLWKg",
        "7.",
        "7",
        "",
        "7.lG_EF339XQt2wzuz5DRBpQ",  # made with another secret
    ],
)
def test_forged_tokens_do_not_verify(forged: str) -> None:
    assert not verify_unsubscribe(SECRET, forged, 7, "ada@example.org")


def test_tokens_differ_by_id_address_and_secret() -> None:
    tokens = {
        unsubscribe_token(SECRET, 7, "ada@example.org"),
        unsubscribe_token(SECRET, 8, "ada@example.org"),
        unsubscribe_token(SECRET, 7, "bob@example.org"),
        unsubscribe_token(Secret("another-secret"), 7, "ada@example.org"),
    }
    assert tokens == {
        TOKEN,
        "8.OwNisyIcrZdUnNyrV7Gp-A",
        "7.4kq4iIjI_WfuvBRHKd7CcQ",
        "7.osMKtzoavrcqXKBQaL6guQ",
    }


@pytest.mark.parametrize(
    ("token", "sub_id"),
    [
        (TOKEN, 7),
        ("7", 7),
        ("12345.anything", 12345),
        ("0.x", 0),
        ("1" * 17 + ".x", 11111111111111111),
        ("1" * 18 + ".x", None),  # too long to be an id
        ("", None),
        (".x", None),
        ("x.7", None),
        ("-7.x", None),
        ("+7.x", None),
        (" 7.x", None),
        ("7 .x", None),
        ("٣.x", None),  # an Arabic-Indic digit: a digit, but not ASCII
        ("²", None),
        ("7e3.x", None),
    ],
)
def test_token_subscription_id(token: str, sub_id: int | None) -> None:
    assert token_subscription_id(token) == sub_id


def test_message_ids_are_stable_per_subscription_and_period() -> None:
    mid = message_id(SECRET, 7, "2026-11-25", "paperfeed.test")
    assert mid == "<digest.7.2026-11-25.nKJZhE6Z@paperfeed.test>"
    assert message_id(SECRET, 7, "2026-11-25", "paperfeed.test") == mid
    assert message_id(SECRET, 7, "2026-W48", "paperfeed.test") == (
        "<digest.7.2026-W48.CT59bKu2@paperfeed.test>"
    )
    assert message_id(SECRET, 8, "2026-11-25", "paperfeed.test") == (
        "<digest.8.2026-11-25.gU_W0P6c@paperfeed.test>"
    )
    assert message_id(SECRET, 7, "2026-11-25", "example.org") == (
        "<digest.7.2026-11-25.nKJZhE6Z@example.org>"
    )


def test_confirmation_tokens_are_random_and_stored_as_their_hash() -> None:
    token, stored = new_confirm_token()
    other, _ = new_confirm_token()
    assert token != other
    assert len(token) == 43  # 256 bits, URL-safe base64
    assert stored == hash_token(token) == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored
    assert hash_token("abc") == ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
