"""Preservation bags (BagIt): complete, valid by bagit's own validator, staff only, audited,
never of withdrawn or purged testimony, and nothing half-made when anything goes wrong."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import bagit
import pytest
from defusedxml import ElementTree as SafeET
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from archive.collections.services import WITHDRAWN_TEXT, clip_add, collection_create
from archive.consent.services import consent_amend
from archive.consent.withdrawal import testimony_withdraw
from archive.interchange import bags
from archive.interchange.bags import BagError, collection_bag_create, testimony_bag_create
from archive.models import AuditAction, AuditLogEntry, CollectionPage, TestimonyPage

pytestmark = pytest.mark.django_db

ODD_NAME = "Entrevista de María – día 1 (copia).m4a"


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editora", "editora@example.org", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def bag_dir(settings, tmp_path: Path) -> Path:
    settings.TESTIMONIO_BAG_DIR = tmp_path / "staff bags"
    return settings.TESTIMONIO_BAG_DIR


def valid_bag(path: Path) -> bagit.Bag:
    bag = bagit.Bag(str(path))
    bag.validate()  # raises BagValidationError on any missing, extra or altered file
    return bag


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_testimony_bag_holds_media_every_transcript_consent_versions_and_metadata(
    make_testimony, editor, tmp_path
):
    testimony = make_testimony("Bagheron")
    media = testimony.primary_media
    media.original_filename = ODD_NAME
    media.save()
    # A second version, narrowing (any editor may), with its signed form.
    consent_amend(
        record=testimony.consent,
        by=editor,
        note="No press quotation.",
        allow_press=False,
        files={"signed_form": SimpleUploadedFile("formulario firmado.pdf", b"%PDF-1.4 form")},
    )
    dest = tmp_path / "bolsas de preservación" / "testimonio ñ 1"

    made = testimony_bag_create(testimony=testimony, dest=dest, user=editor)

    assert made.path == dest and made.testimonies == (testimony.pk,)
    bag = valid_bag(dest)
    assert set(bag.algorithms) == {"sha256", "sha512"}
    assert bag.info["Source-Organization"] == "Testimonio"
    assert bag.info["External-Identifier"] == f"testimonio:testimony/{testimony.pk}"
    assert "Bagheron" in bag.info["External-Description"]
    assert bag.info["Bagging-Date"]
    data = dest / "data"
    payload = [p for p in data.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in payload)
    assert bag.info["Payload-Oxum"] == f"{size}.{len(payload)}" == made.payload_oxum

    original = data / "media" / "1" / "original" / ODD_NAME
    assert original.read_bytes() == Path(media.original.path).read_bytes()
    assert (data / "media" / "1" / "derivative").is_dir()

    vtt = next(data.glob("transcripts/*-transcript-en.vtt")).read_text()
    assert vtt.startswith("WEBVTT") and "The word Bagheron is said." in vtt
    ohms = SafeET.fromstring(next(data.glob("transcripts/*.ohms.xml")).read_bytes())
    assert "Bagheron" in ohms.find("record").findtext("transcript")
    assert ohms.find("record").findtext("accession") == f"testimonio-{testimony.pk}"

    consent = json.loads((data / "consent" / "consent.json").read_text())
    assert [v["version"] for v in consent["versions"]] == [1, 2]
    assert [v["allow_press"] for v in consent["versions"]] == [True, False]
    assert consent["versions"][1]["created_by"] == "editora"
    form = data / consent["versions"][1]["files"]["signed_form"]
    assert form.read_bytes() == b"%PDF-1.4 form"

    metadata = json.loads((data / "metadata.json").read_text())
    assert metadata["testimony"]["title"] == "Testimony Bagheron"
    assert metadata["testimony"]["summary"] == "Summary Bagheron"
    assert metadata["media"][0]["original"]["path"] == f"media/1/original/{ODD_NAME}"
    assert metadata["media"][0]["original"]["filename_at_ingest"] == ODD_NAME
    # Consent does not let the real name be shown: the bag carries the pseudonym only.
    assert metadata["storyteller"]["name"] == testimony.storyteller.public_name
    assert "RealnameBagheron" not in "".join(p.read_text(errors="ignore") for p in payload)

    entry = AuditLogEntry.objects.get(action=AuditAction.BAG_EXPORTED)
    assert (entry.username, entry.testimony_id) == ("editora", testimony.pk)
    assert str(dest) in entry.detail
    assert leftovers(dest.parent) == ["testimonio ñ 1"]  # no temporary folder beside it


def test_every_transcript_and_translation_is_bagged(make_testimony, editor, tmp_path):
    from archive.models import Segment, Transcript, TranscriptKind, TranscriptStatus

    testimony = make_testimony("Bagtranslate")
    source = testimony.current_transcript
    translation = Transcript.objects.create(
        media=testimony.primary_media,
        status=TranscriptStatus.DONE,
        kind=TranscriptKind.TRANSLATION,
        language="en",
        source=source,
    )
    Segment.objects.create(transcript=translation, index=0, start=0, end=2, text="Translated <b>")

    testimony_bag_create(testimony=testimony, dest=tmp_path / "bag", user=editor)

    names = sorted(p.name for p in (tmp_path / "bag" / "data" / "transcripts").iterdir())
    assert names == sorted(
        f"{t.pk}-{t.kind}-en.{ext}" for t in (source, translation) for ext in ("vtt", "ohms.xml")
    )
    vtt = tmp_path / "bag" / "data" / "transcripts" / f"{translation.pk}-translation-en.vtt"
    assert "Translated &lt;b&gt;" in vtt.read_text()


@pytest.mark.parametrize("purge", [False, True])
def test_withdrawn_or_purged_testimony_can_no_longer_be_bagged(
    make_testimony, editor, tmp_path, purge, django_capture_on_commit_callbacks
):
    testimony = make_testimony("Bagwithdrawn")
    with django_capture_on_commit_callbacks(execute=True):
        testimony_withdraw(testimony=testimony, reason="Asked by phone.", purge=purge)
    testimony = TestimonyPage.objects.get(pk=testimony.pk)
    dest = tmp_path / "out" / "bag"

    expected = "purged at the storyteller's request" if purge else "consent was withdrawn"
    with pytest.raises(BagError, match=expected):
        testimony_bag_create(testimony=testimony, dest=dest, user=editor)

    assert not dest.exists() and leftovers(dest.parent) == []
    refusal = AuditLogEntry.objects.get(action=AuditAction.BAG_REFUSED)
    assert refusal.testimony_id == testimony.pk and expected in refusal.detail
    assert not AuditLogEntry.objects.filter(action=AuditAction.BAG_EXPORTED).exists()


def test_sealed_testimony_is_not_bagged_and_registered_users_are_refused(
    make_testimony, editor, make_account, tmp_path
):
    out = tmp_path / "out"
    sealed = make_testimony("Bagsealed", access_level="sealed", publish=False)
    with pytest.raises(BagError, match="sealed"):
        testimony_bag_create(testimony=sealed, dest=out / "a", user=editor)
    public = make_testimony("Bagpublic")
    with pytest.raises(BagError, match="only archive staff"):
        testimony_bag_create(testimony=public, dest=out / "b", user=make_account("reader"))
    assert leftovers(out) == []


def test_an_existing_destination_is_refused_and_left_untouched(make_testimony, editor, tmp_path):
    testimony = make_testimony("Bagexisting")
    dest = tmp_path / "out" / "bag"
    dest.mkdir(parents=True)
    (dest / "keep.txt").write_text("mine")

    with pytest.raises(BagError, match="already exists"):
        testimony_bag_create(testimony=testimony, dest=dest, user=editor)

    assert leftovers(dest) == ["keep.txt"] and leftovers(dest.parent) == ["bag"]
    assert not AuditLogEntry.objects.filter(action=AuditAction.BAG_EXPORTED).exists()


def test_a_destination_that_cannot_be_made_is_a_clear_error(make_testimony, editor, tmp_path):
    testimony = make_testimony("Bagnoparent")
    blocker = tmp_path / "out" / "a file"
    blocker.parent.mkdir()
    blocker.write_text("not a folder")

    with pytest.raises(BagError, match="Cannot write a bag in"):
        testimony_bag_create(testimony=testimony, dest=blocker / "bag", user=editor)

    assert leftovers(blocker.parent) == ["a file"]


def test_a_missing_stored_file_fails_the_bag_and_removes_the_temporary_folder(
    make_testimony, editor, tmp_path
):
    testimony = make_testimony("Bagmissing")
    Path(testimony.primary_media.web.path).unlink()
    dest = tmp_path / "out" / "bag"

    with pytest.raises(BagError, match="web copy of recording 1 is missing"):
        testimony_bag_create(testimony=testimony, dest=dest, user=editor)

    assert leftovers(dest.parent) == []
    assert not AuditLogEntry.objects.filter(action=AuditAction.BAG_EXPORTED).exists()


def test_a_disk_error_while_bagging_removes_the_temporary_folder(
    make_testimony, editor, tmp_path, monkeypatch
):
    testimony = make_testimony("Bagdiskfull")

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bags, "_make_bag", full_disk)
    dest = tmp_path / "out" / "bag"

    with pytest.raises(BagError, match="No space left on device"):
        testimony_bag_create(testimony=testimony, dest=dest, user=editor)

    assert leftovers(dest.parent) == []
    assert not AuditLogEntry.objects.filter(action=AuditAction.BAG_EXPORTED).exists()


def test_collection_bag_carries_its_testimonies_and_marks_the_withdrawn_one(
    make_testimony, make_account, editor, tmp_path, django_capture_on_commit_callbacks
):
    kept = make_testimony("Bagcolkept")
    gone = make_testimony("Bagcolgone")
    educator = make_account("educator")
    collection = collection_create(owner=educator, title="Unidad 3: familias")
    clip_add(collection=collection, user=educator, testimony=kept, start=0, end=1, title="First")
    clip_add(
        collection=collection, user=educator, testimony=gone, start=0, end=2, title="Bagcolgone 2"
    )
    with django_capture_on_commit_callbacks(execute=True):
        testimony_withdraw(testimony=gone, reason="Asked.", purge=True)
    dest = tmp_path / "colección"

    made = collection_bag_create(collection=collection, dest=dest, user=editor)

    bag = valid_bag(dest)
    assert bag.info["External-Identifier"] == f"testimonio:collection/{collection.pk}"
    assert bag.info["Testimonio-Testimonies"] == str(kept.pk)
    assert bag.info["Testimonio-Left-Out"] == str(gone.pk)
    assert made.left_out == (gone.pk,)
    data = dest / "data"
    assert leftovers(data / "testimonies") == [str(kept.pk)]
    assert (data / "testimonies" / str(kept.pk) / "metadata.json").is_file()
    document = json.loads((data / "collection.json").read_text())
    assert document["collection"]["title"] == "Unidad 3: familias"
    first, second = document["clips"]
    assert first["included"] and first["folder"] == f"testimonies/{kept.pk}"
    assert second == {
        "position": 2,
        "testimony": gone.pk,
        "start": 0.0,
        "end": 2.0,
        "included": False,
        "placeholder": WITHDRAWN_TEXT,
    }
    assert "Bagcolgone" not in "".join(
        p.read_text(errors="ignore") for p in dest.rglob("*") if p.is_file()
    )
    exported = AuditLogEntry.objects.filter(action=AuditAction.BAG_EXPORTED)
    assert list(exported.values_list("testimony_id", flat=True)) == [kept.pk]


def test_export_bag_command_writes_a_valid_bag_as_the_named_staff_member(
    make_testimony, editor, make_account, tmp_path
):
    testimony = make_testimony("Bagcommand")
    base = tmp_path / "out"
    dest = base / "con espacios" / "bag"
    out = StringIO()

    call_command(
        "export_bag", "--testimony", str(testimony.pk), str(dest), "--by", "editora", stdout=out,
        stderr=StringIO(),
    )  # fmt: skip

    assert out.getvalue().strip() == str(dest)
    valid_bag(dest)
    make_account("reader")
    with pytest.raises(CommandError, match="only archive staff"):
        call_command("export_bag", "--testimony", str(testimony.pk), str(base / "x"),
                     "--by", "reader")  # fmt: skip
    with pytest.raises(CommandError, match="already exists"):
        call_command("export_bag", "--testimony", str(testimony.pk), str(dest), "--by", "editora")
    with pytest.raises(CommandError, match="No testimony 999999"):
        call_command("export_bag", "--testimony", "999999", str(base / "y"), "--by", "editora")
    with pytest.raises(CommandError, match="--by"):
        call_command("export_bag", "--testimony", str(testimony.pk), str(base / "z"))
    with pytest.raises(CommandError, match="not allowed with argument"):
        call_command("export_bag", "--testimony", "1", "--collection", "1", str(base / "w"),
                     "--by", "editora")  # fmt: skip
    assert leftovers(base) == ["con espacios"] and leftovers(dest.parent) == ["bag"]


def test_admin_action_writes_the_bag_to_the_staff_folder_for_staff_only(
    make_testimony, editor, make_account, django_user_model, bag_dir
):
    testimony = make_testimony("Bagadmin")
    url = f"/admin/testimony/{testimony.pk}/bag/"
    staff = Client()
    staff.force_login(editor)

    edit_page = staff.get(f"/admin/pages/{testimony.pk}/edit/").content.decode()
    assert url in edit_page and "Preservation bag" in edit_page
    assert "Write the bag" in staff.get(url).content.decode()

    # Anonymous visitors and non-staff accounts (even one let into the admin) get nothing.
    anonymous = Client().post(url)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    reader = Client()
    reader.force_login(make_account("reader"))
    refused = reader.post(url)
    assert refused.status_code == 302 and "/admin/login/" in refused["Location"]
    # Let into the admin but in no staff role: the policy in access.py refuses.
    insider = django_user_model.objects.create_user("insider", "insider@example.org", "pw")
    insider.user_permissions.add(Permission.objects.get(codename="access_admin"))
    let_in = Client()
    let_in.force_login(insider)
    for attempt in (url, f"/admin/collection/{testimony.pk}/bag/", "/admin/testimony/99999/bag/"):
        answer = let_in.post(attempt, follow=True)
        assert answer.redirect_chain == [("/admin/", 302)]
        assert "permission" in answer.content.decode().lower()
    assert leftovers(bag_dir) == []
    assert not AuditLogEntry.objects.filter(action=AuditAction.BAG_EXPORTED).exists()

    done = staff.post(url, follow=True)

    (made,) = list(bag_dir.iterdir())
    assert made.name.startswith(f"testimony-{testimony.pk}-")
    valid_bag(made)
    assert f"Preservation bag written and validated: {made}" in done.content.decode()
    assert AuditLogEntry.objects.filter(
        action=AuditAction.BAG_EXPORTED, username="editora", testimony_id=testimony.pk
    ).exists()


def test_admin_action_refuses_a_withdrawn_testimony_with_its_reason(
    make_testimony, editor, bag_dir
):
    testimony = make_testimony("Bagadminwithdrawn")
    testimony_withdraw(testimony=testimony, reason="Asked.")
    staff = Client()
    staff.force_login(editor)
    url = f"/admin/testimony/{testimony.pk}/bag/"

    assert "consent was withdrawn" in staff.get(url).content.decode()
    done = staff.post(url, follow=True).content.decode()

    assert f"Testimony {testimony.pk} cannot be bagged: its consent was withdrawn." in done
    assert leftovers(bag_dir) == []


def test_admin_action_bags_a_collection(make_testimony, make_account, editor, bag_dir):
    testimony = make_testimony("Bagadmincol")
    educator = make_account("educator")
    collection = collection_create(owner=educator, title="Week 9")
    clip_add(collection=collection, user=educator, testimony=testimony, start=0, end=1)
    staff = Client()
    staff.force_login(editor)
    url = f"/admin/collection/{collection.pk}/bag/"
    assert url in staff.get(f"/admin/pages/{collection.pk}/edit/").content.decode()

    staff.post(url)

    (made,) = list(bag_dir.iterdir())
    assert made.name.startswith(f"collection-{collection.pk}-")
    valid_bag(made)
    assert CollectionPage.objects.get(pk=collection.pk).title == "Week 9"


def test_a_purge_deletes_the_staff_folders_bags_that_carry_the_testimony(
    make_testimony, make_account, editor, bag_dir, django_capture_on_commit_callbacks
):
    purged = make_testimony("Bagpurgeme")
    other = make_testimony("Bagkeepme")
    educator = make_account("educator")
    collection = collection_create(owner=educator, title="Week 5")
    for testimony in (purged, other):
        clip_add(collection=collection, user=educator, testimony=testimony, start=0, end=1)
    own = testimony_bag_create(testimony=purged, dest=bag_dir / "own", user=editor)
    shared = collection_bag_create(collection=collection, dest=bag_dir / "shared", user=editor)
    unrelated = testimony_bag_create(testimony=other, dest=bag_dir / "unrelated", user=editor)
    elsewhere = testimony_bag_create(
        testimony=purged, dest=bag_dir.parent / "elsewhere", user=editor
    )

    with django_capture_on_commit_callbacks(execute=True):
        testimony_withdraw(testimony=purged, reason="Asked.", purge=True)

    assert not own.path.exists() and not shared.path.exists()
    assert leftovers(bag_dir) == ["unrelated"]
    valid_bag(unrelated.path)
    assert elsewhere.path.exists()  # outside the staff folder: out of the purge's reach


def test_odd_filenames_become_names_every_file_system_and_manifest_keeps():
    import unicodedata

    from archive.interchange.bag_contents import safe_filename

    assert safe_filename("../a/b\\c\nd:e?.m4a", "x") == "_a_b_c_d_e_.m4a"
    assert safe_filename(".hidden", "x") == "hidden"
    assert safe_filename("  \t ", "fallback.m4a") == "fallback.m4a"
    decomposed = unicodedata.normalize("NFD", "María José.ogg")
    assert safe_filename(decomposed, "x") == unicodedata.normalize("NFC", "María José.ogg")
    long = safe_filename("é" * 300 + ".wav", "x")
    assert long.endswith(".wav") and len(long.encode()) <= 200
