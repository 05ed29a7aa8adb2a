"""The storyteller's pages: mounted at /submit/ by config.urls."""

from django.urls import path

from archive.submissions import upload_api, views, withdrawal_link

urlpatterns = [
    path("done/<uuid:key>/", views.done, name="submit-done"),
    path("withdraw/<str:token>/", withdrawal_link.withdraw, name="submit-withdraw"),
    path("<str:token>/", views.start, name="submit-start"),
    path("<str:token>/consent/summary/", views.summary, name="submit-summary"),
    path("<str:token>/consent/<slug:step>/", views.consent_step, name="submit-consent"),
    path("<str:token>/record/", views.record, name="submit-record"),
    path("<str:token>/uploads/", upload_api.uploads, name="submit-uploads"),
    path("<str:token>/uploads/<uuid:key>/", upload_api.upload, name="submit-upload"),
]
