"""e-Gov 法令XML: read (archive, API), parse, chunk into citable units."""
