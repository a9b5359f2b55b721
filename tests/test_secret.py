"""Secrets never print (pure): repr, str, f-strings and containers show a mask; reveal() gives
the value; equal values compare equal."""

from paperfeed.secret import Secret

MASK = "Secret('**********')"


def test_a_secret_never_prints() -> None:
    secret = Secret("hunter2")
    assert repr(secret) == str(secret) == f"{secret}" == f"{secret!r}" == MASK
    assert repr([secret]) == f"[{MASK}]"
    assert repr({"password": secret}) == f"{{'password': {MASK}}}"


def test_reveal_gives_the_value() -> None:
    assert Secret("hunter2").reveal() == "hunter2"
    assert Secret("").reveal() == ""


def test_equality_and_hash_follow_the_value() -> None:
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert Secret("a") != "a"  # never equal to the bare value
    assert len({Secret("a"), Secret("a"), Secret("b")}) == 2


def test_a_secret_has_no_attribute_dict_to_leak_through() -> None:
    assert not hasattr(Secret("hunter2"), "__dict__")
    assert vars(Secret).get("__slots__") == ("_value",)
