"""Embedders: the protocol, the backends, the registry that picks one by name, and the embedding cache."""
