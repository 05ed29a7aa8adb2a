"""The storyteller's pages: mounted at /submit/ by config.urls."""

from django.urls import path

from archive.submissions import views

urlpatterns = [
    path("done/<uuid:key>/", views.done, name="submit-done"),
    path("withdraw/<str:token>/", views.withdraw, name="submit-withdraw"),
    path("<str:token>/", views.start, name="submit-start"),
    path("<str:token>/consent/summary/", views.summary, name="submit-summary"),
    path("<str:token>/consent/<slug:step>/", views.consent_step, name="submit-consent"),
    path("<str:token>/record/", views.record, name="submit-record"),
    path("<str:token>/uploads/", views.uploads, name="submit-uploads"),
    path("<str:token>/uploads/<uuid:key>/", views.upload, name="submit-upload"),
]
