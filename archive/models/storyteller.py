from django.db import models


class Storyteller(models.Model):
    """A person who gave testimony, known here only by the name they chose to show.

    No legal name is stored in the skeleton: what is never stored cannot leak.
    """

    public_name = models.CharField(
        max_length=200, help_text="The name or pseudonym the storyteller agreed to show."
    )
    is_pseudonym = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["public_name"]

    def __str__(self) -> str:
        return self.public_name
