from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "Testimony archive"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from archive.accounts import signals
        from archive.accounts.checks import email_backend_check
        from archive.privacy.detection import pii_model_check

        checks.register(pii_model_check)
        checks.register(email_backend_check)
        signals.connect()
