"""Consent: the storyteller's terms, embargoes, withdrawal and purge."""
