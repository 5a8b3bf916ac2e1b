"""Vector stores: Qdrant Edge in-process (default) and a Qdrant server, behind one interface."""
