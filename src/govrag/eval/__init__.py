"""Offline evaluation: question sets with gold provisions, metrics and reports."""
