"""Short-lived signed media URLs, bound to the user they were made for.

A media URL copied out of a page stops working after its lifetime, and never
works for someone else; the view still asks the access policy on every
request, so a withdrawal also stops a URL that has not expired.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from archive import access
from archive.models import MediaAsset

_SALT = "testimonio.media"


class MediaLinkError(Exception):
    """The link is forged, altered, expired, or made for another user."""


def _subject(media: MediaAsset, user: access.User | None) -> str:
    user_id = user.pk if user is not None and user.is_authenticated else 0
    return f"{media.key}:{user_id}"


def media_url(media: MediaAsset, user: access.User | None) -> str:
    token = signing.TimestampSigner(salt=_SALT).sign(_subject(media, user))
    signature = token.rsplit(":", 2)
    # Keep only timestamp and signature in the URL; the subject is rebuilt.
    return f"{reverse('media-web', args=[media.key])}?s={signature[-2]}:{signature[-1]}"


def check_media_link(media: MediaAsset, user: access.User | None, token: str) -> None:
    """Raise MediaLinkError unless `token` was made for this media and user, recently."""
    if not token or token.count(":") != 1:
        raise MediaLinkError("This media link is incomplete.")
    try:
        signing.TimestampSigner(salt=_SALT).unsign(
            f"{_subject(media, user)}:{token}", max_age=settings.TESTIMONIO_MEDIA_URL_MAX_AGE
        )
    except signing.SignatureExpired as e:
        raise MediaLinkError("This media link has expired.") from e
    except signing.BadSignature as e:
        raise MediaLinkError("This media link is not valid for you.") from e
