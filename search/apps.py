import os

from django.apps import AppConfig
from django.conf import settings


class SearchConfig(AppConfig):
    name = "search"
    label = "testimonio_search"
    verbose_name = "Testimony search"

    def ready(self) -> None:
        from search import indexing

        indexing.connect_signals()
        # bin/serve asks its web workers to load the sentence encoder at start.
        if os.environ.get("TESTIMONIO_WARM_MEANING") == "1" and getattr(
            settings, "SEARCH_BACKENDS", {}
        ).get("default", {}).get("MEANING"):
            from search import meaning

            meaning.warm_in_background()
