"""A collection as a IIIF Presentation 3 manifest: one AV canvas per clip, one range each.

Built at request time for the asker from archive.collections.services.clip_views, so
a clip withdrawn before the export is a placeholder canvas with no media, no
title and no transcript. Each canvas is the clip alone (its duration is the
clip's), painted with the clip's range of the recording (``#t=start,end``);
the media link does not expire: it answers with a fresh signed URL, after
asking the policy, each time a viewer fetches it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archive import access
from archive.collections.services import clip_views
from archive.models import CollectionPage

CONTEXT = "http://iiif.io/api/presentation/3/context.json"


def _lang(text: str) -> dict[str, list[str]]:
    return {"en": [text]}


def collection_manifest(
    *,
    collection: CollectionPage,
    viewer: access.User | None,
    manifest_url: str,
    absolute: Callable[[str], str],
    clip_media: Callable[[Any], str] | None = None,
) -> dict[str, Any]:
    """The manifest as JSON-ready data. `absolute` turns a site path into a full URL.

    `clip_media` gives a clip's lasting media path; without it the signed,
    short-lived URL of the page is used.
    """
    base = manifest_url.rsplit("/", 1)[0]
    canvases: list[dict[str, Any]] = []
    ranges: list[dict[str, Any]] = []
    for view in clip_views(collection, viewer):
        clip = view.clip
        canvas_id = f"{base}/canvas/{view.position}"
        if not view.available:
            # Nothing of the testimony: not its title, the clip's title, nor the media.
            canvases.append(
                {
                    "id": canvas_id,
                    "type": "Canvas",
                    "label": _lang(view.placeholder),
                    "duration": max(clip.end - clip.start, 0.001),
                    "items": [],
                }
            )
            ranges.append(
                {
                    "id": f"{base}/range/{view.position}",
                    "type": "Range",
                    "label": _lang(view.placeholder),
                    "items": [{"id": canvas_id, "type": "Canvas"}],
                }
            )
            continue
        media = clip.testimony.primary_media
        # The canvas is the clip: a viewer plays its range, never the whole recording.
        duration = max(clip.end - clip.start, 0.001)
        span = f"t={clip.start:g},{clip.end:g}"
        canvas: dict[str, Any] = {
            "id": canvas_id,
            "type": "Canvas",
            "label": _lang(clip.title),
            "duration": duration,
            "items": [],
        }
        if view.media_url and media is not None:
            canvas["items"].append(
                {
                    "id": f"{canvas_id}/page",
                    "type": "AnnotationPage",
                    "items": [
                        {
                            "id": f"{canvas_id}/page/painting",
                            "type": "Annotation",
                            "motivation": "painting",
                            "body": {
                                "id": absolute(clip_media(clip) if clip_media else view.media_url)
                                + f"#{span}",
                                "type": "Video" if view.media_is_video else "Sound",
                                "format": media.web_content_type,
                                "duration": duration,
                            },
                            "target": f"{canvas_id}#t=0,{duration:g}",
                        }
                    ],
                }
            )
        if view.excerpt:
            canvas["annotations"] = [
                {
                    "id": f"{canvas_id}/transcript",
                    "type": "AnnotationPage",
                    "items": [
                        {
                            "id": f"{canvas_id}/transcript/{n}",
                            "type": "Annotation",
                            "motivation": "supplementing",
                            "body": {
                                "type": "TextualBody",
                                "value": text,
                                "format": "text/plain",
                                "language": (clip.testimony.language_codes or ["en"])[0],
                            },
                            "target": f"{canvas_id}#t={max(start - clip.start, 0):g},{duration:g}",
                        }
                        for n, (start, text) in enumerate(view.excerpt, start=1)
                    ],
                }
            ]
        metadata = [{"label": _lang("Storyteller"), "value": _lang(view.storyteller)}]
        if view.clip.note:
            metadata.append({"label": _lang("Educator's note"), "value": _lang(clip.note)})
        canvas["metadata"] = metadata
        canvases.append(canvas)
        ranges.append(
            {
                "id": f"{base}/range/{view.position}",
                "type": "Range",
                "label": _lang(clip.title),
                "items": [{"id": f"{canvas_id}#t=0,{duration:g}", "type": "Canvas"}],
            }
        )
    manifest: dict[str, Any] = {
        "@context": CONTEXT,
        "id": manifest_url,
        "type": "Manifest",
        "label": _lang(collection.title),
        "requiredStatement": {
            "label": _lang("Attribution"),
            "value": _lang("Testimonio. Testimony is shown only as its storytellers consented."),
        },
        "behavior": ["auto-advance"],
        "items": canvases,
    }
    if collection.intro:
        manifest["summary"] = _lang(collection.intro)
    if ranges:
        manifest["structures"] = [
            {
                "id": f"{base}/range/0",
                "type": "Range",
                "label": _lang(collection.title),
                "items": ranges,
            }
        ]
    return manifest
