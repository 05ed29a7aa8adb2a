"""Preservation packages: a BagIt bag per testimony or per collection, for staff, audited.

Libraries keep BagIt bags (RFC 8493, via the `bagit` library) because a bag
says by itself whether it is complete and unaltered: every payload file is
listed with its SHA-256 and SHA-512, and `bag-info.txt` says where it came
from. A testimony bag holds what archive.interchange.bag_contents writes; a
collection bag holds the collection's clips (data/collection.json) and one
such folder per testimony it may carry (data/testimonies/<id>/).

Who may bag what is archive.access.bag_refusal's answer, never decided here:
staff only, never withdrawn or purged testimony, never sealed. A collection
bag leaves out the testimony it may not carry and marks each left-out clip
with the placeholder the site shows for it.

Nothing half-made: a bag is built in a hidden temporary folder beside its
destination, validated with bagit's own validator, and renamed into place
only then (with its audit entries, in one transaction); any failure removes
the temporary folder. An existing destination is refused before anything is
written.
"""

from __future__ import annotations

import logging
import multiprocessing
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bagit
from django.conf import settings
from django.db import transaction

from archive import access
from archive.audit import audit_event
from archive.collections.services import clip_placeholder
from archive.interchange.bag_contents import BAG_FORMAT, BagError, write_json, write_testimony
from archive.models import AuditAction

if TYPE_CHECKING:
    from archive.models import CollectionPage, TestimonyPage

__all__ = [
    "BagError",
    "BagMade",
    "bags_holding",
    "collection_bag_create",
    "purge_bags",
    "testimony_bag_create",
]

logger = logging.getLogger(__name__)

CHECKSUMS = ("sha256", "sha512")
# bagit.make_bag changes the process's working directory while it runs, which
# in a threaded server would move every other thread's relative paths (and a
# second bag's files) into this bag. So it runs in a fresh child process of its
# own ("spawn": no copy of this process's threads, locks or connections).
_SPAWN = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class BagMade:
    path: Path
    testimonies: tuple[int, ...]
    left_out: tuple[int, ...]
    payload_oxum: str


def testimony_bag_create(*, testimony: TestimonyPage, dest: Path, user: access.User) -> BagMade:
    """Write one testimony's bag at `dest` (a folder that must not exist yet).

    Raises BagError, with nothing written, when `user` may not bag it (the
    refusal of a staff member is audited), when `dest` exists or cannot be
    written, or when a stored file is missing.
    """
    refusal = access.bag_refusal(user, testimony)
    if refusal:
        if access.is_staff_member(user):
            audit_event(
                user=user, testimony=testimony, action=AuditAction.BAG_REFUSED, detail=refusal
            )
        raise BagError(f"Testimony {testimony.pk} cannot be bagged: {refusal}.")
    consent = access.effective_consent(testimony)
    info = {
        "External-Identifier": f"{_repository_id()}:testimony/{testimony.pk}",
        "External-Description": (
            f"Preservation package of testimony {testimony.pk}, “{testimony.title}”: "
            "originals and web derivatives, every transcript in WebVTT and OHMS XML, "
            "the consent record with every version, and the metadata (JSON)."
        ),
        "Internal-Sender-Identifier": f"testimony-{testimony.pk}",
        "Testimonio-Access-Level": consent.access_level if consent else "",
        "Testimonio-Consent-Version": str(consent.version) if consent else "",
    }
    dest = Path(dest).absolute()
    with _building(dest) as work:
        write_testimony(testimony, work, user=user)
        return _finish(work, dest, info, user=user, bagged=[testimony], left_out=[])


def collection_bag_create(*, collection: CollectionPage, dest: Path, user: access.User) -> BagMade:
    """Write a collection's bag at `dest`: its clips, and each testimony it may carry.

    A clip whose testimony may not be bagged (withdrawn, purged, sealed) stays
    in collection.json as its position, times and the placeholder the site
    shows, with none of its title or note; that testimony's folder is absent.
    """
    if not access.is_staff_member(user):
        raise BagError(
            "Only archive staff (editors, archivists, administrators) make preservation bags."
        )
    clips = list(
        collection.clips.select_related("testimony__storyteller", "testimony__consent").order_by(
            "sort_order", "pk"
        )
    )
    testimonies: dict[int, TestimonyPage] = {}
    refusals: dict[int, str] = {}
    for clip in clips:
        testimony = clip.testimony
        if testimony.pk not in testimonies and testimony.pk not in refusals:
            refusal = access.bag_refusal(user, testimony)
            if refusal:
                refusals[testimony.pk] = refusal
            else:
                testimonies[testimony.pk] = testimony
    info = {
        "External-Identifier": f"{_repository_id()}:collection/{collection.pk}",
        "External-Description": (
            f"Preservation package of collection {collection.pk}, “{collection.title}”: "
            f"its {len(clips)} clips and the {len(testimonies)} testimonies they come from "
            "that may be preserved, each with originals, derivatives, transcripts (WebVTT, "
            "OHMS XML), consent history and metadata."
        ),
        "Internal-Sender-Identifier": f"collection-{collection.pk}",
        "Testimonio-Clips": str(len(clips)),
    }
    dest = Path(dest).absolute()
    with _building(dest) as work:
        for testimony in testimonies.values():
            write_testimony(testimony, work / "testimonies" / str(testimony.pk), user=user)
        document = {
            "format": BAG_FORMAT,
            "collection": {
                "id": collection.pk,
                "title": collection.title,
                "intro": collection.intro,
                "visibility": collection.visibility,
                "path": collection.url_path,
            },
            "clips": [_clip_entry(clip, n, testimonies) for n, clip in enumerate(clips, 1)],
        }
        write_json(work / "collection.json", document)
        left_out = [clip.testimony for clip in clips if clip.testimony.pk in refusals]
        return _finish(
            work,
            dest,
            info,
            user=user,
            bagged=list(testimonies.values()),
            left_out=list({t.pk: t for t in left_out}.values()),
            refusals=refusals,
            detail_prefix=f"in collection {collection.pk}: ",
        )


def _clip_entry(clip: Any, position: int, testimonies: dict[int, TestimonyPage]) -> dict:
    entry: dict[str, Any] = {
        "position": position,
        "testimony": clip.testimony_id,
        "start": clip.start,
        "end": clip.end,
    }
    if clip.testimony_id in testimonies:
        entry |= {
            "included": True,
            "folder": f"testimonies/{clip.testimony_id}",
            "title": clip.title,
            "note": clip.note,
        }
    else:
        entry |= {"included": False, "placeholder": clip_placeholder(clip.testimony)}
    return entry


@contextmanager
def _building(dest: Path) -> Iterator[Path]:
    """A hidden temporary folder beside `dest`, removed on any failure.

    `dest` must be absolute (bagit changes the working directory while it runs).
    """
    if dest.exists() or dest.is_symlink():
        raise BagError(f"{dest} already exists: give a new folder for the bag.")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        work = Path(
            tempfile.mkdtemp(prefix=f".{dest.name[:60]}.", suffix=".partial", dir=dest.parent)
        )
    except OSError as e:
        raise BagError(f"Cannot write a bag in {dest.parent}: {e.strerror or e}.") from e
    try:
        yield work
    except BaseException as e:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(e, OSError):
            raise BagError(f"The bag could not be written: {e}. Nothing was left behind.") from e
        raise


def _finish(
    work: Path,
    dest: Path,
    info: dict[str, str],
    *,
    user: access.User,
    bagged: list[TestimonyPage],
    left_out: list[TestimonyPage],
    refusals: dict[int, str] | None = None,
    detail_prefix: str = "",
) -> BagMade:
    """Make `work` a bag, validate it, audit it and move it to `dest`, or raise."""
    info = {
        "Source-Organization": settings.TESTIMONIO_BAG_ORGANIZATION,
        "Bagging-Date": datetime.now(UTC).date().isoformat(),
        **info,
        "Testimonio-Bagged-By": user.get_username(),
        "Testimonio-Testimonies": " ".join(str(t.pk) for t in bagged),
        "Testimonio-Left-Out": " ".join(str(t.pk) for t in left_out),
    }
    _make_bag(work, info)
    bag = bagit.Bag(str(work))
    try:
        bag.validate()
    except bagit.BagError as e:
        raise BagError(f"The bag did not validate, so it was not kept: {e}") from e
    with transaction.atomic():
        for testimony in bagged:
            audit_event(
                user=user,
                testimony=testimony,
                action=AuditAction.BAG_EXPORTED,
                detail=f"{detail_prefix}BagIt bag {dest}",
            )
        for testimony in left_out:
            audit_event(
                user=user,
                testimony=testimony,
                action=AuditAction.BAG_REFUSED,
                detail=f"{detail_prefix}left out: {(refusals or {}).get(testimony.pk, '')}",
            )
        if dest.exists() or dest.is_symlink():
            raise BagError(f"{dest} appeared while the bag was made: it was not overwritten.")
        work.rename(dest)
    return BagMade(
        path=dest,
        testimonies=tuple(t.pk for t in bagged),
        left_out=tuple(t.pk for t in left_out),
        payload_oxum=str(bag.info.get("Payload-Oxum", "")),
    )


def _make_bag(work: Path, info: dict[str, str]) -> None:
    """bagit.make_bag on `work`, in a child process (it changes the working directory)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=_SPAWN) as child:
        child.submit(bagit.make_bag, str(work), info, 1, list(CHECKSUMS)).result()


def bags_holding(testimony_id: int, folder: Path | None = None) -> list[Path]:
    """The bags in the staff folder (TESTIMONIO_BAG_DIR) that carry this testimony."""
    folder = Path(folder or settings.TESTIMONIO_BAG_DIR)
    if not folder.is_dir():
        return []
    holding = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not (path / "bag-info.txt").is_file():
            continue
        try:
            carried = str(bagit.Bag(str(path)).info.get("Testimonio-Testimonies", "")).split()
        except bagit.BagError:
            logger.warning("Not a readable bag, left alone: %s", path)
            continue
        if str(testimony_id) in carried:
            holding.append(path)
    return holding


def purge_bags(sender: Any, testimony: TestimonyPage, **kwargs: Any) -> None:
    """On `testimony_purged`: delete the staff folder's bags that carry it, once the purge commits.

    The staff folder is the archive's own disk, which a purge promises to
    leave without a byte of the testimony; a collection bag that carries it
    goes whole (a bag with a file taken out would no longer validate).
    Copies moved elsewhere are out of reach, as backups are.
    """
    testimony_id = testimony.pk

    def delete() -> None:
        for path in bags_holding(testimony_id):
            shutil.rmtree(path)
            logger.warning("Purge of testimony %s deleted the bag %s", testimony_id, path)

    transaction.on_commit(delete)


def _repository_id() -> str:
    return getattr(settings, "TESTIMONIO_OAI_REPOSITORY_ID", "testimonio")
