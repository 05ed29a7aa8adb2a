from django.apps import AppConfig


class TranscriptionConfig(AppConfig):
    name = "transcription"
    verbose_name = "Transcription"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from transcription.checks import check_ffmpeg, check_model

        checks.register(check_ffmpeg)
        checks.register(check_model)
