"""Personal information in transcripts: masking what editors redacted.

The original text stays in the Segment row (sealed, for the archive); every
public surface and every index gets `public_text`, in which applied
redactions are replaced by a neutral mark.
"""

from __future__ import annotations

from archive.models import Redaction, RedactionStatus, Segment

REDACTION_MARK = "[redacted]"


def public_text(segment: Segment, redactions: list[Redaction] | None = None) -> str:
    """The segment's text with applied redactions masked."""
    if redactions is None:
        redactions = [r for r in segment.redactions.all() if r.status == RedactionStatus.APPLIED]
    else:
        redactions = [r for r in redactions if r.status == RedactionStatus.APPLIED]
    text = segment.text
    # Right to left, so earlier offsets stay valid; overlapping spans merge.
    for redaction in sorted(redactions, key=lambda r: r.char_start, reverse=True):
        start = max(0, min(redaction.char_start, len(text)))
        end = max(start, min(redaction.char_end, len(text)))
        text = text[:start] + REDACTION_MARK + text[end:]
    return text.replace(f"{REDACTION_MARK}{REDACTION_MARK}", REDACTION_MARK)
