from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from archive.research import views as research_views
from archive.testimonies import media_views as archive_views
from archive.testimonies.feeds import LatestTestimonyFeed
from search import views as search_views

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", search_views.search_page, name="search"),
    path("api/", include("search.api_urls")),
    path("media/<uuid:key>/", archive_views.media_web, name="media-web"),
    path("favicon.ico", archive_views.favicon, name="favicon"),
    path(
        "transcripts/<int:testimony_id>.<str:fmt>",
        archive_views.transcript_download,
        name="transcript-download",
    ),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("feed/", LatestTestimonyFeed(), name="feed"),
    path("oai/", include("archive.interchange.urls")),
    path("research/request/", research_views.research_request, name="research-request"),
    path("accounts/", include("archive.accounts.urls")),
    path("submit/", include("archive.submissions.urls")),
    path("", include("archive.collections.urls")),
    path("", include(wagtail_urls)),
]
