"""Lawsy-style research: question → sub-queries → sources → outline → sections → conclusion → mind map."""
