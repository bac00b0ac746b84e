"""Batch evaluation (rag eval): question sets, scoring, the run loop, reports."""
