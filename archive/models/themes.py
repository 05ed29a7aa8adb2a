from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.search import index
from wagtail.snippets.models import register_snippet


@register_snippet
class Theme(index.Indexed, models.Model):
    """A thesaurus entry. Its terms drive segment suggestions and search synonyms."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    name_es = models.CharField("Spanish name", max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)
    terms_en = models.TextField("English terms", blank=True, help_text="One term per line.")
    terms_es = models.TextField("Spanish terms", blank=True, help_text="One term per line.")

    panels = [
        FieldPanel("name"),
        FieldPanel("name_es"),
        FieldPanel("slug"),
        FieldPanel("parent"),
        FieldPanel("description"),
        FieldPanel("terms_en"),
        FieldPanel("terms_es"),
    ]
    search_fields = [index.SearchField("name"), index.SearchField("name_es")]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    @property
    def terms(self) -> list[str]:
        """Every term in every language, for matching."""
        lines = f"{self.terms_en}\n{self.terms_es}".splitlines()
        return [line.strip() for line in lines if line.strip()]
