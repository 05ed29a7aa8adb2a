#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - reads the settings now, to say what is wrong
    except ImproperlyConfigured as e:
        sys.exit(f"Testimonio cannot start: {e}")
    execute_from_command_line(sys.argv)
