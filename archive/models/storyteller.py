from django.db import models


class Storyteller(models.Model):
    """A person who gave testimony.

    The public name (often a pseudonym) is what the site shows; the real name
    is shown only where the current consent allows it, and is erased on purge.
    """

    public_name = models.CharField(
        max_length=200, help_text="The name or pseudonym the storyteller agreed to show."
    )
    is_pseudonym = models.BooleanField(default=True)
    real_name = models.CharField(
        max_length=200, blank=True, help_text="Shown only where consent allows the real name."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["public_name"]

    def __str__(self) -> str:
        return self.public_name
