"""Rate limits on real SQLite and PostgreSQL: one count per key, shared by every process
that uses the database."""


def test_rate_limits_are_shared_through_the_database(store) -> None:
    from datetime import timedelta

    from paperfeed.store import Database, Store

    other = Store(Database(store.db.engine))  # another server process on the same database
    window = timedelta(minutes=1)
    assert [store.rate_limits.hit("k", 2, window) for _ in range(2)] == [0, 0]
    assert other.rate_limits.hit("k", 2, window) > 0
