"""Domain errors of the archive, each with a message a person can act on."""


class ArchiveError(Exception):
    """Base class: commands print the message and exit 1, views show it."""


class IngestError(ArchiveError):
    """The file or its details cannot be taken into the archive; nothing was stored."""


class ConsentError(ArchiveError):
    """The consent on record does not allow what was asked."""


class ReviewPending(ArchiveError):
    """Editors must decide on flagged personal information before publishing."""
