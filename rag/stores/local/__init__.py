"""The local store: an index folder with BM25 postings and FAISS vectors, written atomically."""
