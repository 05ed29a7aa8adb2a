"""Educators' collections of clips as services, and how a clip may be shown now.

Writes are keyword-only, atomic services that raise CollectionError with a
message a person can act on. Whether a clip plays is never stored: it is
asked of archive.access each time a collection is shown or exported, so a
withdrawal reaches every page and every export made afterwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from archive import access
from archive.accounts.verification import VERIFY_FIRST, has_verified_email
from archive.audit import audit_view
from archive.errors import ArchiveError
from archive.models import (
    AuditAction,
    Clip,
    CollectionIndexPage,
    CollectionPage,
    CollectionVisibility,
    TestimonyPage,
)
from archive.models.consent import ConsentVersion
from archive.testimonies.signing import media_url
from archive.transcripts.public import public_segments

WITHDRAWN_TEXT = "This moment was withdrawn at the storyteller's request."
UNAVAILABLE_TEXT = "This moment is not available."


class CollectionError(ArchiveError):
    """A collection or clip change that cannot be made, with the reason."""


# ---------------------------------------------------------------- reads


def teaching_allowed(consent: ConsentVersion | None) -> bool:
    return not access.consent_missing_or_withdrawn(consent) and consent.allow_teaching


def can_clip(user: access.User | None, testimony: TestimonyPage) -> bool:
    """May `user` cut a clip from `testimony` now: they see it and its consent allows teaching."""
    return access.can_view(user, testimony, access.Part.PAGE) and teaching_allowed(
        access.effective_consent(testimony)
    )


def is_owner(user: access.User | None, collection: CollectionPage) -> bool:
    return bool(user is not None and user.is_authenticated and collection.owner_id == user.pk)


def can_see_collection(
    user: access.User | None, collection: CollectionPage, *, by_link: bool = False
) -> bool:
    """Private: the owner only. Link: the owner, or anyone holding the share key. Public: all."""
    if is_owner(user, collection):
        return True
    if collection.visibility == CollectionVisibility.PUBLIC:
        return True
    return by_link and collection.visibility == CollectionVisibility.LINK


def collections_of(user: access.User | None) -> list[CollectionPage]:
    if user is None or not user.is_authenticated:
        return []
    return list(CollectionPage.objects.filter(owner=user).order_by("-pk"))


@dataclass(frozen=True)
class ClipView:
    """One clip as a given viewer may see it now. Unavailable ones carry only `placeholder`."""

    clip: Clip
    position: int
    available: bool
    placeholder: str = ""
    media_url: str = ""
    media_is_video: bool = False
    excerpt: tuple[tuple[float, str], ...] = ()
    storyteller: str = ""

    @property
    def duration(self) -> float:
        return self.clip.end - self.clip.start


def clip_placeholder(testimony: TestimonyPage) -> str:
    consent = access.effective_consent(testimony)
    if (consent is not None and consent.withdrawn) or testimony.purged_at is not None:
        return WITHDRAWN_TEXT
    return UNAVAILABLE_TEXT


def clip_view(clip: Clip, viewer: access.User | None, *, position: int = 1) -> ClipView:
    testimony = clip.testimony
    if not can_clip(viewer, testimony):
        return ClipView(clip, position, False, placeholder=clip_placeholder(testimony))
    # Researcher- and staff-level moments are logged like their pages (public ones are not).
    audit_view(
        user=viewer,
        testimony=testimony,
        action=AuditAction.VIEW_PAGE,
        detail=f"clip {clip.pk} of collection {clip.collection_id}",
    )
    media = testimony.primary_media
    url, is_video = "", False
    if media is not None and media.web:
        part = access.Part.VIDEO if media.has_video else access.Part.AUDIO
        if access.can_view(viewer, testimony, part):
            url, is_video = media_url(media, viewer), media.has_video
    excerpt: tuple[tuple[float, str], ...] = ()
    if access.can_view(viewer, testimony, access.Part.TRANSCRIPT):
        excerpt = tuple(
            (row.start, text)
            for row, text in public_segments(testimony)
            if row.end > clip.start and row.start < clip.end
        )
    return ClipView(
        clip,
        position,
        True,
        media_url=url,
        media_is_video=is_video,
        excerpt=excerpt,
        storyteller=access.display_name(viewer, testimony),
    )


def clip_views(collection: CollectionPage, viewer: access.User | None) -> list[ClipView]:
    clips = collection.clips.select_related(
        "testimony__storyteller", "testimony__consent"
    ).order_by("sort_order", "pk")
    return [clip_view(clip, viewer, position=n) for n, clip in enumerate(clips, start=1)]


# ---------------------------------------------------------------- writes


def _require_owner(user: access.User | None, collection: CollectionPage) -> None:
    if not is_owner(user, collection):
        raise CollectionError("Only the educator who made this collection can change it.")


def _index() -> CollectionIndexPage:
    index = CollectionIndexPage.objects.first()
    if index is None:
        raise CollectionError(
            "The archive has no Collections page yet: run `manage.py migrate` to create it."
        )
    return index


def _unique_slug(index: CollectionIndexPage, title: str) -> str:
    base = slugify(title)[:60] or "collection"
    slug, n = base, 1
    siblings = index.get_children()
    while siblings.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def collection_create(
    *, owner: Any, title: str, intro: str = "", copied_from: CollectionPage | None = None
) -> CollectionPage:
    """A new private collection owned by `owner`.

    Raises CollectionError without a title, or when the owner has no verified email.
    """
    title = (title or "").strip()
    if not owner or not owner.is_authenticated:
        raise CollectionError("Log in to make a collection.")
    if not has_verified_email(owner):
        # A collection can be shared and published: it needs a person the archive can reach.
        raise CollectionError(str(VERIFY_FIRST))
    if not title:
        raise CollectionError("Give the collection a title.")
    if len(title) > 255:
        raise CollectionError("The title is too long (255 characters at most).")
    index = _index()
    # Never live: Wagtail would serve it to anyone. Visibility is ours to decide.
    page = CollectionPage(
        title=title,
        slug=_unique_slug(index, title),
        intro=intro,
        owner=owner,
        live=False,
        visibility=CollectionVisibility.PRIVATE,
        copied_from=copied_from,
    )
    with transaction.atomic():
        index.add_child(instance=page)
    return CollectionPage.objects.get(pk=page.pk)


def _validate_range(testimony: TestimonyPage, start: Any, end: Any) -> tuple[float, float]:
    try:
        start_s, end_s = float(start), float(end)
    except (TypeError, ValueError) as e:
        raise CollectionError("Start and end must be numbers of seconds.") from e
    if not (math.isfinite(start_s) and math.isfinite(end_s)):
        raise CollectionError("Start and end must be numbers of seconds.")
    if start_s < 0:
        raise CollectionError("The clip cannot start before the recording (start must be ≥ 0).")
    if end_s <= start_s:
        raise CollectionError(
            f"The clip must end after it starts (start {start_s:g} s, end {end_s:g} s)."
        )
    media = testimony.primary_media
    duration = media.duration if media is not None else None
    if duration is None:
        raise CollectionError("This testimony has no recording to clip yet.")
    if end_s > duration + 0.05:
        raise CollectionError(
            f"The clip ends at {end_s:g} s but the recording is only {duration:g} s long."
        )
    return start_s, min(end_s, duration)


def clip_add(
    *,
    collection: CollectionPage,
    user: Any,
    testimony: TestimonyPage,
    start: Any,
    end: Any,
    title: str = "",
    note: str = "",
) -> Clip:
    """Append a moment of `testimony` to `collection`.

    Raises CollectionError if `user` does not own the collection, may not see
    the testimony, its consent does not allow teaching, or the range is not
    inside the recording.
    """
    _require_owner(user, collection)
    if not access.can_view(user, testimony, access.Part.PAGE):
        raise CollectionError("That testimony is not available.")
    if not teaching_allowed(access.effective_consent(testimony)):
        raise CollectionError(
            "The storyteller's consent does not allow this testimony in teaching collections."
        )
    start_s, end_s = _validate_range(testimony, start, end)
    minutes, seconds = divmod(int(start_s), 60)
    title = (title or "").strip() or f"{testimony.title}, {minutes}:{seconds:02d}"
    with transaction.atomic():
        last = collection.clips.aggregate(m=Max("sort_order"))["m"]
        clip = Clip(
            collection=collection,
            testimony=testimony,
            start=start_s,
            end=end_s,
            title=title[:200],
            note=note or "",
            sort_order=0 if last is None else last + 1,
        )
        clip.full_clean(exclude=["collection"])
        clip.save()
    return clip


def collection_reorder(*, collection: CollectionPage, user: Any, clip_ids: list[int]) -> None:
    """Put the clips in the order of `clip_ids`, which must name each clip once."""
    _require_owner(user, collection)
    with transaction.atomic():
        clips = {c.pk: c for c in collection.clips.select_for_update()}
        if sorted(clip_ids) != sorted(clips):
            raise CollectionError("The new order must list every clip of the collection once.")
        for n, pk in enumerate(clip_ids):
            if clips[pk].sort_order != n:
                clips[pk].sort_order = n
                clips[pk].save(update_fields=["sort_order"])


def clip_move(*, clip: Clip, user: Any, position: int) -> None:
    """Move `clip` to 0-based `position` (clamped to the collection's length)."""
    collection = clip.collection
    order = list(collection.clips.order_by("sort_order", "pk").values_list("pk", flat=True))
    order.remove(clip.pk)
    order.insert(max(0, min(int(position), len(order))), clip.pk)
    collection_reorder(collection=collection, user=user, clip_ids=order)


def clip_remove(*, clip: Clip, user: Any) -> None:
    _require_owner(user, clip.collection)
    clip.delete()


def collection_publish(*, collection: CollectionPage, user: Any, visibility: str) -> CollectionPage:
    """Keep private, share by link, or make public."""
    _require_owner(user, collection)
    if visibility not in CollectionVisibility.values:
        raise CollectionError(
            f"Unknown visibility “{visibility}”: choose {', '.join(CollectionVisibility.values)}."
        )
    collection.visibility = visibility
    collection.save(update_fields=["visibility"])
    return collection


def collection_copy(*, source: CollectionPage, user: Any, title: str = "") -> CollectionPage:
    """A private copy of a collection `user` may see, as a starting point.

    Only clips the copier may still cut now are copied: withdrawn or restricted
    moments never come back through a copy.
    """
    if not can_see_collection(user, source, by_link=True) or (
        source.visibility == CollectionVisibility.PRIVATE and not is_owner(user, source)
    ):
        raise CollectionError("That collection is not available.")
    with transaction.atomic():
        copy = collection_create(
            owner=user,
            title=title or f"{source.title} (copy)",
            intro=source.intro,
            copied_from=source,
        )
        for clip in source.clips.select_related("testimony").order_by("sort_order", "pk"):
            if can_clip(user, clip.testimony):
                Clip.objects.create(
                    collection=copy,
                    testimony=clip.testimony,
                    start=clip.start,
                    end=clip.end,
                    title=clip.title,
                    note=clip.note,
                    sort_order=clip.sort_order,
                )
    return copy
