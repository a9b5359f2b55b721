"""The one e-mail address check (pure): what it accepts, trimmed and lowercased, and what it
refuses with a message for people (too long, no domain, header injection, non-ASCII domains)."""

import re

import pytest

from paperfeed.errors import Invalid
from paperfeed.mail.address import normalize_address

# 254 characters, the most an address may have: a 64-character local part and three labels.
LONGEST = "x" * 64 + "@" + "d" * 61 + "." + "d" * 61 + "." + "d" * 61 + ".org"


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("ada@example.org", "ada@example.org"),
        ("  Ada.Lovelace+Digest@Example.ORG \n", "ada.lovelace+digest@example.org"),
        ("o'brien_1@mail.cs.example.ac.uk", "o'brien_1@mail.cs.example.ac.uk"),
        ("a@123.example.org", "a@123.example.org"),
        ("a@xn--bcher-kva.example", "a@xn--bcher-kva.example"),  # an IDN, as punycode
        # A non-ASCII local part (SMTPUTF8); tests/mail/test_outbox.py shows it cannot be sent yet.
        ("JOSÉ@EXAMPLE.ORG", "josé@example.org"),
        ("x" * 64 + "@example.org", "x" * 64 + "@example.org"),
        (LONGEST, LONGEST),
        (f"  {LONGEST.upper()}  ", LONGEST),  # the limit applies to the address, trimmed
    ],
)
def test_accepted_addresses_are_trimmed_and_lowercased(text: str, address: str) -> None:
    assert normalize_address(text) == address


def test_one_person_one_address() -> None:
    assert normalize_address("Ada@Example.org") == normalize_address(" ada@EXAMPLE.ORG")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "ada",
        "ada@",
        "@example.org",
        "ada@localhost",  # no dot in the domain
        "ada@example",
        "ada@example.o",  # a one-letter top-level domain
        "ada@example.123",
        "ada@example.org.",
        "ada@-example.org",
        "ada@exämple.org",  # a non-ASCII domain must come as punycode
        "ada@example_site.org",
        "ada@b@example.org",
        "ada lovelace@example.org",
        '"ada"@example.org',
        "(ada)@example.org",
        "ada,bob@example.org",
        "ada;bob@example.org",
        "ada:bob@example.org",
        "ada\\bob@example.org",
        "[ada]@example.org",
        "<ada@example.org>",
        "Ada <ada@example.org>",
        "ada@example.org, bob@example.org",
        "x" * 65 + "@example.org",  # the local part is at most 64 characters
        "ada@" + "d" * 64 + ".org",  # a label is at most 63 characters
    ],
)
def test_refused_addresses(text: str) -> None:
    with pytest.raises(Invalid, match=re.escape(f"not an e-mail address: {text.strip()!r}")):
        normalize_address(text)


def test_longer_than_254_characters_is_refused() -> None:
    # Every part is within its own limit: only the total is too long.
    address = "x" * 64 + "@" + "d" * 62 + "." + "d" * 61 + "." + "d" * 61 + ".org"
    assert len(address) == 255
    with pytest.raises(Invalid, match=re.escape(f"not an e-mail address: {address[:80]!r}")):
        normalize_address(address)
    assert normalize_address(address.replace("d", "", 1)) == address.replace("d", "", 1)


@pytest.mark.parametrize(
    "text",
    [
        "victim@example.org\r\nBcc: x@example.org",
        "victim@example.org\nBcc: x@example.org",
        "victim@example.org\rBcc: x@example.org",
        "victim\r\n@example.org",
        "victim@example.org\r\n\r\nbody",
        "victim@example.org%0d%0aBcc:x@example.org",
        "victim@example.org\u2028Bcc: x@example.org",
        "victim@example.org\x85Bcc: x@example.org",
        "victim@exa\tmple.org",
    ],
)
def test_header_injection_is_refused(text: str) -> None:
    with pytest.raises(Invalid, match="not an e-mail address: "):
        normalize_address(text)


def test_the_message_shows_what_was_typed_cut_to_80_characters() -> None:
    typed = "  Ada Lovelace at Example dot org " + "x" * 200
    with pytest.raises(Invalid) as raised:
        normalize_address(typed)
    assert str(raised.value) == f"not an e-mail address: {typed.strip()[:80]!r}"


@pytest.mark.parametrize(
    "text", ["ada\x00@example.org", "ada\x1b@example.org", "ada\x7f@example.org"]
)
def test_control_characters_are_refused(text: str) -> None:
    with pytest.raises(Invalid, match="not an e-mail address: "):
        normalize_address(text)


def test_an_empty_domain_label_is_refused() -> None:
    with pytest.raises(Invalid, match=re.escape("not an e-mail address: 'ada@example..org'")):
        normalize_address("ada@example..org")
