"""Accounts for educators and researchers: sign-up, sign-in, verification, deletion.

django-allauth does the sign-up, sign-in, email verification and password
reset, with its throttles and its enumeration prevention; this package adds
the archive's rules around it: a new account is a registered user (it sees
public testimony only, as anyone does), some actions need a verified email,
and an owner can delete their account without the archive losing its public
collections or its audit trail.
"""
