"""The official gazette (官報): tables of contents, full-issue PDFs cited by page, promulgation ↔ law links."""
