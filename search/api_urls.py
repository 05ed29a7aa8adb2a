"""URLs of the JSON search API, included under /api/ by config.urls."""

from django.urls import path

from search import api

app_name = "search-api"

urlpatterns = [
    path("search/", api.search, name="search"),
    path("schema.json", api.schema, name="schema"),
]
