"""Benchmarks (rag bench): retrieval quality and embedder speed on the bench sets, search at scale beside peers."""
