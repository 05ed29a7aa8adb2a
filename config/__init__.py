"""Testimonio project configuration: settings, URLs, WSGI and the task queue app."""

from .celery import app as celery_app

__all__ = ("celery_app",)
