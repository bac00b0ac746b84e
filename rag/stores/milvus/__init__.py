"""The Milvus store: the same chunks, vectors and BM25 in a Milvus server or Milvus Lite."""
