"""Accounts: users and roles, single-use expiring sign-in tokens, signed-in sessions, API
tokens, and the display names nobody may take.

Tokens and session ids are random; only their SHA-256 is stored, so a database leak does not
leak sign-ins.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, or_, select, update

from paperfeed.errors import Invalid, NotFound
from paperfeed.models import ROLES, User
from paperfeed.store.database import Database
from paperfeed.store.schema import api_tokens, login_tokens, sessions, users

_NAME_CHARS = re.compile(r"[^a-z0-9_-]+")

# An API token's last use is recorded to the minute: written on every request, it made every
# write by one token queue behind that row (issue 12: 200 concurrent votes by one token took
# 5.6 s) and turned every read into a write.
TOKEN_USE_STEP = timedelta(minutes=1)

# Display names that could pass for the site's staff or the site itself.
RESERVED_NAMES = frozenset(
    {
        "abuse",
        "admin",
        "administrator",
        "curator",
        "help",
        "helpdesk",
        "hostmaster",
        "mod",
        "moderator",
        "noreply",
        "official",
        "owner",
        "paperfeed",
        "postmaster",
        "root",
        "security",
        "staff",
        "superuser",
        "support",
        "sysadmin",
        "system",
        "webmaster",
    }
)
# Digits and letters that pass for others in a name: "adm1n", "r00t", "5taff", "admln".
_LOOKALIKES = str.maketrans("013457l", "oieasti")
_SEPARATORS = re.compile(r"[\W_]+")
_RESERVED_LOOKS = frozenset(n.translate(_LOOKALIKES) for n in RESERVED_NAMES)


def is_reserved_name(name: str) -> bool:
    """Whether `name` reads as a reserved name: compared after NFKC and case folding, without
    separators, trailing digits or look-alike characters ("Ad-Min", "adm1n", fullwidth letters,
    "admin2"), as a whole and part by part ("paperfeed-support", "the_mod")."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    parts = [p for p in _SEPARATORS.split(folded) if p]
    return any(
        w.translate(_LOOKALIKES) in _RESERVED_LOOKS
        or w.rstrip("0123456789").translate(_LOOKALIKES) in _RESERVED_LOOKS
        for w in ["".join(parts), *parts]
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenOwner:
    """The user an API token belongs to, and when the token was last used (to the minute)."""

    user: User
    last_used_at: datetime | None


def _user(row: Any) -> User:
    return User(id=row.id, email=row.email, name=row.name, role=row.role, created_at=row.created_at)


class Accounts:
    """Users, sign-in links and API tokens."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create_login_token(self, email: str, ttl: timedelta) -> str:
        """A new single-use sign-in token for `email` (already validated), valid for `ttl`."""
        token = secrets.token_urlsafe(32)
        now = self._db.now()
        with self._db.writing() as conn:
            conn.execute(
                login_tokens.insert().values(
                    token_hash=token_hash(token),
                    email=email,
                    created_at=now,
                    expires_at=now + ttl,
                )
            )
            # Forget links that can no longer be used.
            conn.execute(login_tokens.delete().where(login_tokens.c.expires_at < now - ttl))
        return token

    def redeem_login_token(self, token: str, admin_emails: frozenset[str] = frozenset()) -> User:
        """The user a sign-in token belongs to, created on first sign-in. The token is spent in
        the same statement that checks it, so two clicks on one link sign in once."""
        now = self._db.now()
        with self._db.writing() as conn:
            spent = conn.execute(
                update(login_tokens)
                .where(
                    login_tokens.c.token_hash == token_hash(token),
                    login_tokens.c.used_at.is_(None),
                    login_tokens.c.expires_at > now,
                )
                .values(used_at=now)
                .returning(login_tokens.c.email)
            ).first()
            if spent is None:
                raise Invalid(
                    "this sign-in link has expired or was already used: ask for a new one"
                )
            email: str = spent.email
            user = self._by_email(conn, email)
            if user is None:
                role = "admin" if email in admin_emails else "member"
                user = self._create(conn, email, role, now)
            elif email in admin_emails and user.role != "admin":
                conn.execute(update(users).where(users.c.id == user.id).values(role="admin"))
                user = self._by_email(conn, email)
        assert user is not None
        return user

    def _by_email(self, conn: Connection, email: str) -> User | None:
        row = conn.execute(select(users).where(users.c.email == email)).first()
        return _user(row) if row else None

    def _create(self, conn: Connection, email: str, role: str, now: datetime) -> User:
        base = _NAME_CHARS.sub("-", email.split("@")[0].lower()).strip("-")[:40]
        if not base or is_reserved_name(base):
            base = "user"
        name = base
        taken = set(conn.scalars(select(users.c.name).where(users.c.name.like(f"{base}%"))))
        n = 1
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        new_id = conn.execute(
            users.insert()
            .values(email=email, name=name, role=role, created_at=now)
            .returning(users.c.id)
        ).scalar_one()
        return User(id=new_id, email=email, name=name, role=role, created_at=now)

    def ensure_user(self, email: str, role: str = "member") -> User:
        """The user with this e-mail, created with `role` if new (CLI, demo, tests)."""
        with self._db.writing() as conn:
            user = self._by_email(conn, email)
            return user or self._create(conn, email, role, self._db.now())

    def get(self, user_id: int) -> User | None:
        with self._db.reading() as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).first()
        return _user(row) if row else None

    def by_email(self, email: str) -> User | None:
        with self._db.reading() as conn:
            return self._by_email(conn, email)

    def by_name(self, name: str) -> User | None:
        with self._db.reading() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).first()
        return _user(row) if row else None

    def all(self, limit: int = 200) -> list[User]:
        with self._db.reading() as conn:
            rows = conn.execute(select(users).order_by(users.c.id).limit(limit))
            return [_user(r) for r in rows]

    def count(self) -> int:
        with self._db.reading() as conn:
            return int(conn.scalar(select(func.count()).select_from(users)) or 0)

    def set_role(self, user_id: int, role: str) -> User:
        if role not in ROLES:
            raise Invalid(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
        with self._db.writing() as conn:
            done = conn.execute(update(users).where(users.c.id == user_id).values(role=role))
            if done.rowcount == 0:
                raise NotFound(f"no user with id {user_id}")
        user = self.get(user_id)
        assert user is not None
        return user

    def rename(self, user_id: int, name: str) -> User:
        """Change a display name (its form checked by the caller); names are unique, and
        reserved names (`is_reserved_name`) are nobody's."""
        if is_reserved_name(name):
            raise Invalid(
                f"the name {name!r} is reserved: it could pass for the site's staff; choose another"
            )
        with self._db.writing() as conn:
            clash = conn.scalar(
                select(users.c.id).where(users.c.name == name, users.c.id != user_id)
            )
            if clash is not None:
                raise Invalid(f"the name {name!r} is taken")
            conn.execute(update(users).where(users.c.id == user_id).values(name=name))
        user = self.get(user_id)
        if user is None:
            raise NotFound(f"no user with id {user_id}")
        return user

    def create_api_token(self, user_id: int, name: str) -> str:
        token = "pf_" + secrets.token_urlsafe(32)
        with self._db.writing() as conn:
            conn.execute(
                api_tokens.insert().values(
                    token_hash=token_hash(token),
                    user_id=user_id,
                    name=name,
                    created_at=self._db.now(),
                )
            )
        return token

    def api_tokens(self, user_id: int) -> list[tuple[str, str, datetime, datetime | None]]:
        """(id, name, created, last used) of a user's API tokens; the id is a hash prefix."""
        with self._db.reading() as conn:
            rows = conn.execute(
                select(api_tokens)
                .where(api_tokens.c.user_id == user_id)
                .order_by(api_tokens.c.created_at)
            )
            return [(r.token_hash[:12], r.name, r.created_at, r.last_used_at) for r in rows]

    def revoke_api_token(self, user_id: int, token_id: str) -> None:
        if not re.fullmatch(r"[0-9a-f]{12}", token_id):
            raise Invalid("not a token id")
        with self._db.writing() as conn:
            done = conn.execute(
                api_tokens.delete().where(
                    api_tokens.c.user_id == user_id,
                    api_tokens.c.token_hash.like(f"{token_id}%"),
                )
            )
            if done.rowcount == 0:
                raise NotFound("no such API token")

    def api_token_owner(self, token: str) -> TokenOwner | None:
        """Who owns an API token and when it was last used (None when it was revoked or never
        issued)."""
        with self._db.reading() as conn:
            row = conn.execute(
                select(users, api_tokens.c.last_used_at)
                .join(api_tokens, api_tokens.c.user_id == users.c.id)
                .where(api_tokens.c.token_hash == token_hash(token))
            ).first()
        return TokenOwner(_user(row), row.last_used_at) if row else None

    def touch_api_token(self, token: str, last_used_at: datetime | None) -> None:
        """Record that an API token was just used (shown on the owner's settings page), at
        most once a minute (`TOKEN_USE_STEP`): nothing at all when `last_used_at`, as the
        caller loaded it, is that recent; else an UPDATE that only a stale value passes, so
        concurrent requests record it once."""
        now = self._db.now()
        stale = now - TOKEN_USE_STEP
        if last_used_at is not None and last_used_at > stale:
            return
        column = api_tokens.c.last_used_at
        with self._db.writing() as conn:
            conn.execute(
                update(api_tokens)
                .where(
                    api_tokens.c.token_hash == token_hash(token),
                    or_(column.is_(None), column <= stale),
                )
                .values(last_used_at=now)
            )

    # ------------------------------------------------------------------ signed-in sessions

    def start_session(self, user_id: int, ttl: timedelta) -> str:
        """A new signed-in session of `user_id`, valid for `ttl`; returns its id, for the
        cookie. Sessions that have expired are forgotten."""
        session_id = secrets.token_urlsafe(32)
        now = self._db.now()
        with self._db.writing() as conn:
            conn.execute(
                sessions.insert().values(
                    id_hash=token_hash(session_id),
                    user_id=user_id,
                    created_at=now,
                    expires_at=now + ttl,
                )
            )
            conn.execute(sessions.delete().where(sessions.c.expires_at <= now))
        return session_id

    def user_for_session(self, session_id: str) -> User | None:
        """The user a session signs in, read with it in one query (so a role change applies
        to the next request); None once the session was ended or has expired."""
        with self._db.reading() as conn:
            row = conn.execute(
                select(users)
                .join(sessions, sessions.c.user_id == users.c.id)
                .where(
                    sessions.c.id_hash == token_hash(session_id),
                    sessions.c.expires_at > self._db.now(),
                )
            ).first()
        return _user(row) if row else None

    def session_count(self, user_id: int) -> int:
        """How many unexpired sessions `user_id` has (browsers or devices signed in)."""
        with self._db.reading() as conn:
            count = conn.scalar(
                select(func.count())
                .select_from(sessions)
                .where(sessions.c.user_id == user_id, sessions.c.expires_at > self._db.now())
            )
        return int(count or 0)

    def end_session(self, session_id: str) -> None:
        """Sign a session out for good: its cookie, or any copy of it, opens nothing after."""
        with self._db.writing() as conn:
            conn.execute(sessions.delete().where(sessions.c.id_hash == token_hash(session_id)))

    def end_sessions(self, user_id: int) -> int:
        """Sign `user_id` out everywhere; returns how many sessions ended. API tokens are
        kept (they are revoked one by one)."""
        with self._db.writing() as conn:
            done = conn.execute(sessions.delete().where(sessions.c.user_id == user_id))
        return int(done.rowcount)
