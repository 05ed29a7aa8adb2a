"""The archive's domain: who told what, under what consent, and who may see it."""

from archive.models.audit import AuditAction, AuditLogEntry
from archive.models.collections import (
    Clip,
    CollectionIndexPage,
    CollectionPage,
    CollectionVisibility,
)
from archive.models.consent import (
    AccessLevel,
    ConsentMethod,
    ConsentRecord,
    ConsentVerification,
    ConsentVersion,
)
from archive.models.imports import ImportBatch, ImportStatus
from archive.models.media import MediaAsset
from archive.models.redaction import PiiKind, Redaction, RedactionStatus
from archive.models.researchers import ResearcherApproval
from archive.models.storyteller import Storyteller
from archive.models.submissions import Invitation, Upload, UploadStatus
from archive.models.testimony import ArchiveIndexPage, TestimonyPage, TestimonyTheme, ThemeStatus
from archive.models.themes import Theme
from archive.models.transcript import (
    CoverageFlag,
    EditAction,
    FlagKind,
    FlagStatus,
    Segment,
    SegmentEdit,
    Transcript,
    TranscriptKind,
    TranscriptStatus,
)
from archive.models.workflow import ConsentVerificationTask

__all__ = [
    "AccessLevel",
    "AuditAction",
    "AuditLogEntry",
    "Clip",
    "CoverageFlag",
    "FlagKind",
    "FlagStatus",
    "CollectionIndexPage",
    "CollectionPage",
    "CollectionVisibility",
    "EditAction",
    "ImportBatch",
    "ImportStatus",
    "Invitation",
    "SegmentEdit",
    "TranscriptKind",
    "Upload",
    "UploadStatus",
    "ConsentMethod",
    "ConsentVerification",
    "ConsentVersion",
    "ConsentVerificationTask",
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
