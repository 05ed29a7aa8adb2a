"""Interchange: exchange formats with other archives (OHMS XML)."""
