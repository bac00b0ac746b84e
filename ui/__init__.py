"""The chat page (installed as rag.ui): a thin Gradio adapter over the library."""
