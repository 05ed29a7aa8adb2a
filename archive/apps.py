from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "Testimony archive"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        # archive.tasks registers the Celery tasks that jobs queue by name.
        from archive import tasks  # noqa: F401
        from archive.accounts import signals
        from archive.accounts.checks import email_backend_check
        from archive.imports.batches import purge_import_traces
        from archive.interchange.bags import purge_bags
        from archive.operations.backups import journal_purge
        from archive.privacy.detection import pii_model_check
        from archive.signals import testimony_purged
        from archive.transcripts import handlers

        checks.register(pii_model_check)
        checks.register(email_backend_check)
        signals.connect()
        handlers.connect()
        # Every purge is journalled outside the database, for restores (operations/).
        testimony_purged.connect(journal_purge, dispatch_uid="operations-journal-purge")
        # A purge leaves no byte on the archive's disk: the staff folder's bags included.
        testimony_purged.connect(purge_bags, dispatch_uid="interchange-purge-bags")
        # And of what an import's batch kept: its stored manifest, its rows' messages.
        testimony_purged.connect(purge_import_traces, dispatch_uid="imports-purge-traces")
