"""The archive's own account pages, mounted before allauth's under /accounts/."""

from django.urls import include, path

from archive.accounts import views

urlpatterns = [
    path("settings/", views.account_settings, name="account-settings"),
    path("delete/", views.account_delete_view, name="account-delete"),
    path("deleted/", views.account_deleted, name="account-deleted"),
    path("", include("allauth.urls")),
]
