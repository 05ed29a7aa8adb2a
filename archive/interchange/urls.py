"""The OAI-PMH endpoint's URL: one address for every verb, as the protocol wants."""

from django.urls import path

from archive.interchange import oai

urlpatterns = [path("", oai.endpoint, name="oai-pmh")]
