"""Text for matching: normalization (OpenCC t2s, half width; same length, so offsets hold) and BM25 tokens."""
