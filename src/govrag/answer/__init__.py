"""Answers built from retrieved chunks: every claim carries a numbered, clickable citation."""
