"""Signals the archive sends so others (search) can follow without being imported.

Each is sent with `testimony=<TestimonyPage>`.
"""

from django.dispatch import Signal

# A transcript finished (or was corrected): its segments changed.
transcript_ready = Signal()
# Consent changed in a way that may hide or show the testimony (level, withdrawal).
consent_changed = Signal()

# Everything of a testimony but its tombstone was deleted: indexes must forget
# it completely, including what a plain delete would leave in free pages.
testimony_purged = Signal()
