"""The archive's own account pages, mounted before allauth's under /accounts/."""

from django.urls import include, path

from archive.accounts import two_factor, views

urlpatterns = [
    path("settings/", views.account_settings, name="account-settings"),
    path("delete/", views.account_delete_view, name="account-delete"),
    path("deleted/", views.account_deleted, name="account-deleted"),
    path("two-factor/", two_factor.two_factor_verify, name="two-factor-verify"),
    path("two-factor/setup/", two_factor.two_factor_setup, name="two-factor-setup"),
    path("", include("allauth.urls")),
]
