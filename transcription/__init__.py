"""Sound -> timed text. Knows nothing about the archive that uses it."""
