"""Where an index lives: the Store protocol and shared records (base), the local index folder,
Milvus, and the URI dispatcher (uri)."""
