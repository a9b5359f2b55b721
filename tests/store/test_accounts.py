"""Accounts on real SQLite and PostgreSQL: sign-in links that work once and expire, admins from
the admin list, unique display names and reserved ones, API tokens (their use recorded once a
minute), roles, signed-in sessions that end."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hand_clock import HandClock
from store_rows import login_tokens_kept

from paperfeed.errors import Invalid, NotFound
from paperfeed.models import User
from paperfeed.store import Store
from paperfeed.store.accounts import TokenOwner, is_reserved_name, token_hash
from paperfeed.store.schema import users

NOW = datetime(2026, 3, 2, 9, 0)
TTL = timedelta(minutes=15)


@pytest.fixture
def store(clocked_store: Store) -> Store:
    return clocked_store


# ------------------------------------------------------------------------ sign-in links


def test_a_sign_in_link_signs_in_once(store: Store, clock: HandClock) -> None:
    token = store.accounts.create_login_token("ada@example.org", TTL)
    clock.now = NOW + timedelta(minutes=1)
    user = store.accounts.redeem_login_token(token)
    assert user == User(user.id, "ada@example.org", "ada", "member", NOW + timedelta(minutes=1))
    with pytest.raises(Invalid, match="expired or was already used"):
        store.accounts.redeem_login_token(token)  # the second click on the same link
    assert store.accounts.count() == 1
    assert login_tokens_kept(store) == [("ada@example.org", NOW + TTL, NOW + timedelta(minutes=1))]


def test_a_sign_in_link_expires_at_its_ttl(store: Store, clock: HandClock) -> None:
    early = store.accounts.create_login_token("ada@example.org", TTL)
    late = store.accounts.create_login_token("bob@example.org", TTL)
    clock.now = NOW + TTL - timedelta(seconds=1)
    assert store.accounts.redeem_login_token(early).email == "ada@example.org"
    clock.now = NOW + TTL
    with pytest.raises(Invalid, match="expired or was already used"):
        store.accounts.redeem_login_token(late)
    assert store.accounts.by_email("bob@example.org") is None
    with pytest.raises(Invalid, match="expired or was already used"):
        store.accounts.redeem_login_token("never-issued")


def test_each_sign_in_finds_the_same_account(store: Store, clock: HandClock) -> None:
    first = store.accounts.redeem_login_token(store.accounts.create_login_token("a@x.org", TTL))
    clock.now = NOW + timedelta(days=3)
    second = store.accounts.redeem_login_token(store.accounts.create_login_token("a@x.org", TTL))
    assert second == first  # created once, at the first sign-in
    assert second.created_at == NOW


def test_links_expired_longer_than_a_ttl_ago_are_forgotten(store: Store, clock: HandClock) -> None:
    store.accounts.create_login_token("first@example.org", TTL)  # expires at 9:15
    clock.now = NOW + timedelta(minutes=10)
    store.accounts.create_login_token("second@example.org", TTL)  # expires at 9:25
    clock.now = NOW + timedelta(minutes=31)
    store.accounts.create_login_token("third@example.org", TTL)  # forgets what expired by 9:16
    assert login_tokens_kept(store) == [
        ("second@example.org", NOW + timedelta(minutes=25), None),
        ("third@example.org", NOW + timedelta(minutes=46), None),
    ]


def test_admins_come_from_the_admin_list(store: Store) -> None:
    admins = frozenset({"boss@example.org", "later@example.org"})
    store.accounts.ensure_user("later@example.org")  # a member before being listed
    store.accounts.ensure_user("former@example.org", role="admin")
    accounts = store.accounts

    def sign_in(email: str) -> User:
        return accounts.redeem_login_token(accounts.create_login_token(email, TTL), admins)

    assert sign_in("boss@example.org").role == "admin"
    assert sign_in("someone@example.org").role == "member"
    assert sign_in("later@example.org").role == "admin"
    assert accounts.by_email("later@example.org") == sign_in("later@example.org")
    # the list only promotes: taking an admin's rights away is set_role's job
    assert sign_in("former@example.org").role == "admin"


# ------------------------------------------------------------------------------ users


def test_new_users_get_unique_names_from_their_address(store: Store) -> None:
    accounts = store.accounts
    emails = [
        "ada@example.org",
        "ada@elsewhere.org",
        "Ada@third.org",
        "adam@example.org",
        "Ada.Lovelace+news@example.org",
        "+++@example.org",
    ]
    names = [accounts.ensure_user(e).name for e in emails]
    assert names == ["ada", "ada-2", "ada-3", "adam", "ada-lovelace-news", "user"]
    assert [u.email for u in accounts.all()] == emails
    assert accounts.count() == 6


def test_ensure_user_keeps_an_existing_account(store: Store) -> None:
    ada = store.accounts.ensure_user("ada@example.org", role="curator")
    assert (ada.role, ada.created_at) == ("curator", NOW)
    assert store.accounts.ensure_user("ada@example.org", role="admin") == ada
    assert store.accounts.get(ada.id) == ada
    assert store.accounts.get(ada.id + 1) is None
    assert store.accounts.by_email("nobody@example.org") is None
    assert [u.id for u in store.accounts.all(limit=1)] == [ada.id]


def test_a_rename_to_a_taken_name_is_refused(store: Store) -> None:
    ada = store.accounts.ensure_user("ada@example.org")
    bob = store.accounts.ensure_user("bob@example.org")
    assert store.accounts.rename(ada.id, "lovelace").name == "lovelace"
    with pytest.raises(Invalid, match="the name 'lovelace' is taken"):
        store.accounts.rename(bob.id, "lovelace")
    assert store.accounts.get(bob.id) == bob
    assert store.accounts.rename(ada.id, "lovelace").name == "lovelace"  # her own name
    with pytest.raises(NotFound, match="no user with id 999"):
        store.accounts.rename(999, "nobody")
    # a name taken by a rename is not given to a newcomer
    assert store.accounts.ensure_user("lovelace@example.org").name == "lovelace-2"
    assert store.accounts.ensure_user("ada@elsewhere.org").name == "ada"


@pytest.mark.parametrize(
    "name",
    [
        "admin",
        "Admin",
        "ad-min",
        "a_d_m_i_n",
        "adm1n",
        "admln",
        "admin2",
        "admin-42",
        "\uff41\uff44\uff4d\uff49\uff4e",  # fullwidth letters
        "administrator",
        "root",
        "r00t",
        "moderator",
        "mod",
        "m0d",
        "staff",
        "5taff",
        "support",
        "paperfeed",
        "paper-feed",
        "system",
        "curator",
        "paperfeed-support",
        "the_mod",
        "site-admin",
    ],
)
def test_names_that_pass_for_staff_are_reserved(store: Store, name: str) -> None:
    assert is_reserved_name(name)
    ada = store.accounts.ensure_user("ada@example.org")
    with pytest.raises(Invalid, match="is reserved: it could pass for the site's staff"):
        store.accounts.rename(ada.id, name)
    assert store.accounts.get(ada.id) == ada


@pytest.mark.parametrize(
    "name", ["ada", "badminton", "modest", "rooted", "staffan", "systems-biology", "ada-2", "mo"]
)
def test_other_names_are_free(name: str) -> None:
    assert not is_reserved_name(name)


def test_an_address_like_a_reserved_name_gets_a_plain_one(store: Store) -> None:
    names = [
        store.accounts.ensure_user(e).name
        for e in ("admin@example.org", "support@example.org", "ada@example.org")
    ]
    assert names == ["user", "user-2", "ada"]


def test_set_role(store: Store) -> None:
    ada = store.accounts.ensure_user("ada@example.org")
    curator = store.accounts.set_role(ada.id, "curator")
    assert (curator.role, curator.is_curator, curator.is_admin) == ("curator", True, False)
    assert store.accounts.get(ada.id) == curator
    with pytest.raises(Invalid, match="unknown role 'owner': use one of admin, curator, member"):
        store.accounts.set_role(ada.id, "owner")
    with pytest.raises(NotFound, match="no user with id 999"):
        store.accounts.set_role(999, "admin")
    assert store.accounts.get(ada.id) == curator


# ------------------------------------------------------------------------- API tokens


def test_api_tokens_are_listed_by_a_hash_prefix(store: Store, clock: HandClock) -> None:
    ada = store.accounts.ensure_user("ada@example.org")
    laptop = store.accounts.create_api_token(ada.id, "laptop")
    clock.now = NOW + timedelta(hours=1)
    script = store.accounts.create_api_token(ada.id, "script")
    assert laptop.startswith("pf_") and script.startswith("pf_") and laptop != script
    assert store.accounts.api_tokens(ada.id) == [
        (token_hash(laptop)[:12], "laptop", NOW, None),
        (token_hash(script)[:12], "script", NOW + timedelta(hours=1), None),
    ]
    assert store.accounts.api_tokens(ada.id + 1) == []


def test_an_api_token_finds_its_owner_and_records_its_use(store: Store, clock: HandClock) -> None:
    ada = store.accounts.ensure_user("ada@example.org")
    token = store.accounts.create_api_token(ada.id, "laptop")
    assert store.accounts.api_token_owner(token) == TokenOwner(ada, None)
    assert store.accounts.api_token_owner("pf_never-issued") is None
    clock.now = NOW + timedelta(days=2)
    store.accounts.touch_api_token(token, None)
    store.accounts.touch_api_token("pf_never-issued", None)  # nothing to record
    assert store.accounts.api_tokens(ada.id) == [
        (token_hash(token)[:12], "laptop", NOW, NOW + timedelta(days=2))
    ]
    assert store.accounts.api_token_owner(token) == TokenOwner(ada, NOW + timedelta(days=2))


def test_a_tokens_use_is_recorded_at_most_once_a_minute(store: Store, clock: HandClock) -> None:
    ada = store.accounts.ensure_user("ada@example.org")
    token = store.accounts.create_api_token(ada.id, "script")

    def use(at: timedelta) -> object:
        """Use the token at NOW + `at` as a request does; the last use then recorded."""
        clock.now = NOW + at
        owner = store.accounts.api_token_owner(token)
        assert owner is not None
        store.accounts.touch_api_token(token, owner.last_used_at)
        return store.accounts.api_tokens(ada.id)[0][3]

    assert use(timedelta(0)) == NOW
    generation = store.generation
    assert use(timedelta(seconds=59)) == NOW
    assert store.generation == generation  # not even a transaction
    assert use(timedelta(seconds=60)) == NOW + timedelta(seconds=60)
    assert use(timedelta(seconds=119)) == NOW + timedelta(seconds=60)
    assert use(timedelta(hours=5)) == NOW + timedelta(hours=5)
    # A request that loaded the value before another one recorded it writes nothing.
    clock.now = NOW + timedelta(hours=5, seconds=30)
    store.accounts.touch_api_token(token, NOW)
    assert store.accounts.api_tokens(ada.id)[0][3] == NOW + timedelta(hours=5)


def test_only_its_owner_revokes_an_api_token(store: Store) -> None:
    ada = store.accounts.ensure_user("ada@example.org")
    bob = store.accounts.ensure_user("bob@example.org")
    kept = store.accounts.create_api_token(ada.id, "kept")
    revoked = store.accounts.create_api_token(ada.id, "revoked")
    revoked_id = token_hash(revoked)[:12]
    with pytest.raises(NotFound, match="no such API token"):
        store.accounts.revoke_api_token(bob.id, revoked_id)
    assert store.accounts.api_token_owner(revoked) == TokenOwner(ada, None)
    store.accounts.revoke_api_token(ada.id, revoked_id)
    assert store.accounts.api_token_owner(revoked) is None
    assert store.accounts.api_token_owner(kept) == TokenOwner(ada, None)
    assert [name for _, name, _, _ in store.accounts.api_tokens(ada.id)] == ["kept"]
    with pytest.raises(NotFound, match="no such API token"):
        store.accounts.revoke_api_token(ada.id, revoked_id)


@pytest.mark.parametrize("token_id", ["", "abc", "0123456789AB", "%%%%%%%%%%%%", "0" * 13])
def test_a_malformed_token_id_is_refused(store: Store, token_id: str) -> None:
    ada = store.accounts.ensure_user("ada@example.org")
    token = store.accounts.create_api_token(ada.id, "laptop")
    with pytest.raises(Invalid, match="not a token id"):
        store.accounts.revoke_api_token(ada.id, token_id)
    assert store.accounts.api_token_owner(token) == TokenOwner(ada, None)


# --------------------------------------------------------------------------- sessions

DAY = timedelta(days=1)


def test_a_session_signs_in_until_it_ends_or_expires(store: Store, clock: HandClock) -> None:
    ada = store.accounts.ensure_user("ada@example.org")
    laptop = store.accounts.start_session(ada.id, 30 * DAY)
    phone = store.accounts.start_session(ada.id, 30 * DAY)
    assert laptop != phone and len(laptop) >= 40
    assert store.accounts.user_for_session(laptop) == ada
    assert store.accounts.user_for_session("never-issued") is None
    assert store.accounts.session_count(ada.id) == 2
    store.accounts.end_session(laptop)
    assert store.accounts.user_for_session(laptop) is None  # for good
    assert store.accounts.user_for_session(phone) == ada
    store.accounts.end_session(laptop)  # ending it again is harmless
    clock.now = NOW + 30 * DAY - timedelta(seconds=1)
    assert store.accounts.user_for_session(phone) == ada
    clock.now = NOW + 30 * DAY
    assert store.accounts.user_for_session(phone) is None
    assert store.accounts.session_count(ada.id) == 0


def test_a_session_reads_the_users_role_as_it_is_now(store: Store) -> None:
    boss = store.accounts.ensure_user("boss@example.org", role="admin")
    session = store.accounts.start_session(boss.id, DAY)
    store.accounts.set_role(boss.id, "member")
    user = store.accounts.user_for_session(session)
    assert user is not None and (user.role, user.is_admin) == ("member", False)


def test_ending_every_session_of_a_user_keeps_the_others(store: Store) -> None:
    ada = store.accounts.ensure_user("ada@example.org")
    bob = store.accounts.ensure_user("bob@example.org")
    ada_sessions = [store.accounts.start_session(ada.id, DAY) for _ in range(3)]
    bobs = store.accounts.start_session(bob.id, DAY)
    assert store.accounts.end_sessions(ada.id) == 3
    assert [store.accounts.user_for_session(s) for s in ada_sessions] == [None] * 3
    assert store.accounts.user_for_session(bobs) == bob
    assert store.accounts.end_sessions(ada.id) == 0


def test_expired_sessions_are_forgotten_at_the_next_sign_in(store: Store, clock: HandClock) -> None:
    ada = store.accounts.ensure_user("ada@example.org")
    store.accounts.start_session(ada.id, DAY)
    clock.now = NOW + DAY
    store.accounts.start_session(ada.id, DAY)
    assert store.accounts.end_sessions(ada.id) == 1  # only the live one was left


def test_a_session_ends_with_its_user(store: Store) -> None:
    ada = store.accounts.ensure_user("ada@example.org")
    session = store.accounts.start_session(ada.id, DAY)
    with store.transaction() as conn:
        conn.execute(users.delete().where(users.c.id == ada.id))
    assert store.accounts.user_for_session(session) is None
