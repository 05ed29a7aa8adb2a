"""Tells an editor who changed the thesaurus what search needs, where a backend needs anything."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from wagtail import hooks

from archive.models import Theme
from search.backends import get_backend


def _notice(request: HttpRequest, instance: Any) -> None:
    if isinstance(instance, Theme):
        notice = get_backend().thesaurus_notice()
        if notice:
            messages.warning(request, notice)


@hooks.register("after_edit_snippet")
def after_theme_edit(request: HttpRequest, instance: Any) -> None:
    _notice(request, instance)


@hooks.register("after_create_snippet")
def after_theme_create(request: HttpRequest, instance: Any) -> None:
    _notice(request, instance)
