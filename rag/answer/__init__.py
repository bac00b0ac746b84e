"""From question to cited answer: retrieval over a store, the extractive answer, generated answers, follow-ups."""
