"""The transcript editor and the jobs list in the Wagtail admin, as an editor uses them."""

from __future__ import annotations

import pytest
from django.urls import include, path

from archive.models import (
    EditAction,
    SegmentEdit,
    TestimonyPage,
    Transcript,
    TranscriptStatus,
)
from archive.transcripts.admin_views import (
    edit_transcript_button,
    jobs_menu_item,
    register_transcript_admin_urls,
)
from config.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.django_db

# The admin URLs as archive/wagtail_hooks.py registers them, ahead of the site's.
urlpatterns = [path("admin/", include(register_transcript_admin_urls())), *site_urlpatterns]


@pytest.fixture(autouse=True)
def _urls(settings) -> None:
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def editor(django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("maria", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


@pytest.fixture
def testimony(make_testimony) -> TestimonyPage:
    return make_testimony("CanaryAdmin")


@pytest.fixture
def transcript(testimony) -> Transcript:
    return testimony.current_transcript


def edit_url(transcript: Transcript) -> str:
    return f"/admin/transcripts/{transcript.pk}/edit/"


def segment_url(transcript: Transcript, index: int) -> str:
    segment = transcript.segments.get(index=index)
    return f"/admin/transcripts/{transcript.pk}/segments/{segment.pk}/"


def test_editor_page_renders_player_segments_and_history_for_an_editor(
    client, editor, transcript
) -> None:
    client.force_login(editor)

    response = client.get(edit_url(transcript))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Edit transcript" in html
    assert 'id="editor-player"' in html and "/media/" in html
    assert "The word CanaryAdmin is said." in html
    assert "Play from here" in html and "Split at cursor" in html and "Merge with next" in html
    assert "transcript_editor.js" in html
    assert "No corrections yet." in html


def test_admin_pages_refuse_anonymous_and_non_editors(
    client, django_user_model, transcript
) -> None:
    for url in (edit_url(transcript), "/admin/jobs/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = client.post(segment_url(transcript, 0), {"action": "save", "text": "Hacked"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]

    visitor = django_user_model.objects.create_user("visitor", password="x")
    client.force_login(visitor)
    for url in (edit_url(transcript), "/admin/jobs/"):
        assert client.get(url).status_code in (302, 403)
    client.post(segment_url(transcript, 0), {"action": "save", "text": "Hacked"})
    assert not transcript.segments.filter(text="Hacked").exists()


def test_editor_saves_text_speaker_and_times_in_one_form(client, editor, transcript) -> None:
    client.force_login(editor)

    response = client.post(
        segment_url(transcript, 0),
        {
            "action": "save",
            "text": "An opening line.",
            "speaker": "Ana",
            "start": "0.1",
            "end": "0:00.9",
        },
    )

    assert response.status_code == 302
    first = transcript.segments.get(index=0)
    assert (first.text, first.speaker, first.start, first.end) == (
        "An opening line.",
        "Ana",
        0.1,
        0.9,
    )
    assert first.edited_by == editor
    assert sorted(SegmentEdit.objects.values_list("action", flat=True)) == sorted(
        [EditAction.TEXT, EditAction.SPEAKER, EditAction.TIMES]
    )
    html = client.get(edit_url(transcript)).content.decode()
    assert "History" in html and "maria" in html and "An opening line." in html


def test_a_refused_time_shows_why_and_keeps_the_text_unchanged(client, editor, transcript) -> None:
    client.force_login(editor)

    response = client.post(
        segment_url(transcript, 0),
        {"action": "save", "text": "Changed text", "speaker": "", "start": "0.8", "end": "0.2"},
        follow=True,
    )

    assert "must come before the end" in response.content.decode()
    assert transcript.segments.get(index=0).text == "An opening sentence."
    assert not SegmentEdit.objects.exists()

    response = client.post(
        segment_url(transcript, 0),
        {"action": "save", "text": "x", "start": "soon", "end": "1"},
        follow=True,
    )
    assert "is not a time" in response.content.decode()


def test_editor_splits_at_the_cursor_and_merges_back(client, editor, transcript) -> None:
    client.force_login(editor)
    text = transcript.segments.get(index=1).text

    client.post(
        segment_url(transcript, 1),
        {"action": "split", "at_char": str(text.index("is said")), "at_time": "1.5"},
    )
    assert list(transcript.segments.order_by("index").values_list("text", flat=True)) == [
        "An opening sentence.",
        "The word CanaryAdmin",
        "is said.",
    ]

    client.post(segment_url(transcript, 1), {"action": "merge"})
    assert transcript.segments.count() == 2
    response = client.post(segment_url(transcript, 1), {"action": "merge"}, follow=True)
    assert "no next one to merge" in response.content.decode()
    assert [e.action for e in SegmentEdit.objects.order_by("created_at", "pk")] == [
        EditAction.SPLIT,
        EditAction.MERGE,
    ]


def test_jobs_page_shows_progress_and_cancels_and_retries(
    client, editor, transcript, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    Transcript.objects.filter(pk=transcript.pk).update(
        status=TranscriptStatus.RUNNING, progress_seconds=1.0, claimed_by="gpu-1:42"
    )
    client.force_login(editor)

    html = client.get("/admin/jobs/").content.decode()
    assert '<progress value="1.0" max="2.0"' in html
    assert "running" in html and "gpu-1:42" in html and "Cancel" in html

    revoked = []
    monkeypatch.setattr("archive.transcripts.jobs._revoke", revoked.append)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/jobs/{transcript.pk}/cancel/")
    transcript.refresh_from_db()
    assert transcript.status == TranscriptStatus.CANCELLED
    assert transcript.cancelled_by == editor
    assert len(revoked) == 1
    html = client.get("/admin/jobs/?state=cancelled").content.decode()
    assert "cancelled by maria" in html and "Retry" in html

    # Retrying queues the job; here the message is not sent, only the row moves.
    client.post(f"/admin/jobs/{transcript.pk}/retry/")
    transcript.refresh_from_db()
    assert transcript.status == TranscriptStatus.QUEUED
    response = client.post(f"/admin/jobs/{transcript.pk}/retry/", follow=True)
    assert "only failed, cancelled or stalled jobs retry" in response.content.decode()


def test_header_button_and_menu_item_are_for_editors_only(
    rf, editor, django_user_model, testimony, transcript
) -> None:
    visitor = django_user_model.objects.create_user("visitor")

    [item] = list(edit_transcript_button(testimony, editor, "edit"))
    assert item.label == "Edit transcript"
    assert item.url == edit_url(transcript)
    assert list(edit_transcript_button(testimony, visitor, "edit")) == []

    menu = jobs_menu_item()
    request = rf.get("/admin/")
    request.user = editor
    assert menu.is_shown(request)
    request.user = visitor
    assert not menu.is_shown(request)


def test_editor_hears_an_unpublished_testimony_through_a_signed_audited_link(
    client, editor, make_testimony
) -> None:
    from archive.models import AuditAction, AuditLogEntry

    draft = make_testimony("CanaryDraft", publish=False)
    client.force_login(editor)

    html = client.get(edit_url(draft.current_transcript)).content.decode()

    assert "cannot be played here" not in html
    player = html.split('id="editor-player"', 1)[1].split(">", 1)[0]
    src = player.split('src="', 1)[1].split('"')[0]
    src = src.replace("&amp;", "&")
    assert "?s=" in src
    response = client.get(src)
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content])
    played = AuditLogEntry.objects.filter(
        testimony_id=draft.pk, action=AuditAction.PLAY_MEDIA, username="maria"
    )
    assert played.count() == 1
    # The link is the editor's own: anyone else, or no signature, is refused.
    client.logout()
    assert client.get(src).status_code == 404
    client.force_login(editor)
    assert client.get(src.split("?")[0]).status_code == 403


def test_review_playback_still_follows_the_consent(client, editor, make_testimony) -> None:
    draft = make_testimony("CanaryNoAudio", publish=False, show_audio=False)
    client.force_login(editor)

    html = client.get(edit_url(draft.current_transcript)).content.decode()

    assert "cannot be played here" in html
    media = draft.media_assets.get()
    from archive.testimonies.signing import media_url

    assert client.get(media_url(media, editor)).status_code == 404


def test_the_history_reads_as_words_not_python_dictionaries(client, editor, transcript) -> None:
    client.force_login(editor)
    client.post(
        segment_url(transcript, 0),
        {"action": "save", "text": "An opening line.", "start": "0", "end": "1"},
    )

    html = client.get(edit_url(transcript)).content.decode()
    history = html.split('id="history"', 1)[1]

    assert "{&#x27;" not in history and "{'" not in history and "&#x27;id&#x27;" not in history
    assert "Segment 1, 0:00.00–0:01.00, “An opening sentence.”" in history
    assert "Segment 1, 0:00.00–0:01.00, “An opening line.”" in history


def test_an_empty_transcript_is_typed_from_scratch(client, editor, transcript) -> None:
    transcript.segments.all().delete()
    client.force_login(editor)
    html = client.get(edit_url(transcript)).content.decode()
    assert "Add a segment" in html
    add = f"/admin/transcripts/{transcript.pk}/segments/add/"

    client.post(add, {"start": "1", "end": "2", "text": "Then they came."})
    client.post(
        add, {"start": "0", "end": "0:01", "text": "  First I   waited. ", "speaker": "Ana"}
    )

    segments = list(transcript.segments.order_by("index"))
    assert [(s.index, s.text, s.speaker) for s in segments] == [
        (0, "First I waited.", "Ana"),
        (1, "Then they came.", ""),
    ]
    assert all(s.edited_by_human and s.edited_by == editor for s in segments)
    html = client.get(edit_url(transcript)).content.decode()
    assert "Then they came." in html and "(nothing: added)" in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start": "0", "end": "1", "text": "   "}, "its text cannot be empty"),
        ({"start": "1", "end": "0.5", "text": "Hi"}, "must come before the end"),
        ({"start": "0", "end": "9", "text": "Hi"}, "past the end of the recording"),
        ({"start": "abc", "end": "1", "text": "Hi"}, "is not a time"),
        ({"start": "0.5", "end": "1.5", "text": "Hi"}, "overlaps segment 1"),
    ],
)
def test_a_refused_new_segment_says_why_and_adds_nothing(
    client, editor, transcript, fields, message
) -> None:
    transcript.segments.filter(index=1).delete()
    client.force_login(editor)

    response = client.post(f"/admin/transcripts/{transcript.pk}/segments/add/", fields, follow=True)

    assert message in response.content.decode()
    assert transcript.segments.count() == 1
    assert not SegmentEdit.objects.exists()
