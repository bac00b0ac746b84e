"""The chat page: a thin Gradio adapter over the ``rag`` library."""
