"""Search: keyword index, embeddings, vector index, hybrid fusion."""
