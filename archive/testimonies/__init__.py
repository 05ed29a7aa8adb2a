"""Testimonies: ingest, publishing, media serving, signed links, feeds."""
