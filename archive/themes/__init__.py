"""Themes: the thesaurus and tagging transcripts with its terms."""
