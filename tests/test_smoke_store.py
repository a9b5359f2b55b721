from paperfeed.store import Store


def test_open_empty(store: Store) -> None:
    assert store.stats().papers == 0
