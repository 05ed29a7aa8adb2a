"""The archive's domain: who told what, under what consent, and who may see it."""

from archive.models.audit import AuditAction, AuditLogEntry
from archive.models.consent import AccessLevel, ConsentMethod, ConsentRecord, ConsentVersion
from archive.models.media import MediaAsset
from archive.models.redaction import PiiKind, Redaction, RedactionStatus
from archive.models.researchers import ResearcherApproval
from archive.models.storyteller import Storyteller
from archive.models.testimony import ArchiveIndexPage, TestimonyPage, TestimonyTheme, ThemeStatus
from archive.models.themes import Theme
from archive.models.transcript import Segment, Transcript, TranscriptStatus

__all__ = [
    "AccessLevel",
    "AuditAction",
    "AuditLogEntry",
    "ConsentMethod",
    "ConsentVersion",
    "PiiKind",
    "Redaction",
    "RedactionStatus",
    "ResearcherApproval",
    "ArchiveIndexPage",
    "ConsentRecord",
    "MediaAsset",
    "Segment",
    "Storyteller",
    "TestimonyPage",
    "TestimonyTheme",
    "Theme",
    "ThemeStatus",
    "Transcript",
    "TranscriptStatus",
]
