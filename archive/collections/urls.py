"""URLs of collections, their exports, and moment and clip permalinks.

Included before Wagtail's catch-all, so /collections/... is ours: collection
pages are never live in Wagtail and only these views, which ask the policy,
show them.
"""

from django.urls import path

from archive.collections import views

urlpatterns = [
    path("t/<int:testimony_id>", views.moment_permalink_view, name="moment-permalink"),
    path("t/<int:testimony_id>/cite.json", views.moment_cite_view, name="moment-cite"),
    path("c/<uuid:share_key>/<int:clip_id>", views.clip_permalink_view, name="clip-permalink"),
    path("collections/", views.collection_index, name="collection-index"),
    path("collections/new/", views.collection_create_view, name="collection-create"),
    path("collections/add/", views.clip_add_view, name="clip-add"),
    path("collections/<int:pk>/", views.collection_detail, name="collection-detail"),
    path("collections/<int:pk>/packet/", views.collection_packet, name="collection-packet"),
    path("collections/<int:pk>/packet.pdf", views.collection_pdf, name="collection-pdf"),
    path("collections/<int:pk>/manifest.json", views.collection_iiif, name="collection-manifest"),
    path(
        "collections/<int:pk>/clips/<int:clip_id>/media",
        views.collection_clip_media,
        name="collection-clip-media",
    ),
    path(
        "collections/shared/<uuid:share_key>/clips/<int:clip_id>/media",
        views.collection_clip_media,
        name="collection-shared-clip-media",
    ),
    path("collections/<int:pk>/publish/", views.collection_publish_view, name="collection-publish"),
    path("collections/<int:pk>/copy/", views.collection_copy_view, name="collection-copy"),
    path("collections/<int:pk>/clips/<int:clip_id>/move/", views.clip_move_view, name="clip-move"),
    path(
        "collections/<int:pk>/clips/<int:clip_id>/remove/",
        views.clip_remove_view,
        name="clip-remove",
    ),
    path(
        "collections/shared/<uuid:share_key>/",
        views.collection_detail,
        name="collection-shared-detail",
    ),
    path(
        "collections/shared/<uuid:share_key>/packet/",
        views.collection_packet,
        name="collection-shared-packet",
    ),
    path(
        "collections/shared/<uuid:share_key>/packet.pdf",
        views.collection_pdf,
        name="collection-shared-pdf",
    ),
    path(
        "collections/shared/<uuid:share_key>/manifest.json",
        views.collection_iiif,
        name="collection-shared-manifest",
    ),
]
