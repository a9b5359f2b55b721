"""Where resumable jobs stopped, kept on real SQLite and PostgreSQL."""

from paperfeed.store import Store


def test_ingest_state(store: Store) -> None:
    assert store.checkpoints.get("oai:cs:last") is None
    store.checkpoints.set("oai:cs:last", "2024-01-01")
    store.checkpoints.set("oai:cs:last", "2024-01-02")
    assert store.checkpoints.get("oai:cs:last") == "2024-01-02"
    store.checkpoints.delete("oai:cs:last")
    store.checkpoints.delete("oai:cs:last")  # forgetting what is not there is no error
    assert store.checkpoints.get("oai:cs:last") is None
