from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "testimonio_search"
    verbose_name = "Testimony search"

    def ready(self) -> None:
        from search import indexing

        indexing.connect_signals()
