from django import template

register = template.Library()


@register.filter
def timecode(seconds: float | None) -> str:
    """H:MM:SS or M:SS, as oral historians cite a moment."""
    total = int(seconds or 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def whole_seconds(seconds: float | None) -> int:
    """Floor, so a ?t= link never starts after the moment it points to."""
    return int(seconds or 0)


@register.filter
def moment_t(seconds: float | None) -> str:
    """The ?t= value of a segment start: rounded up to hundredths, so the right line plays."""
    from archive.collections.citations import moment_t as value

    return value(seconds)
