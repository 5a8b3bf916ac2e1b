"""Finding the chunks that answer a query: exact citations first, then search."""
