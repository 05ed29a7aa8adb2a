"""Submissions: the storyteller's invitation, consent steps and upload."""
