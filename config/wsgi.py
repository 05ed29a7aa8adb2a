"""The WSGI entry point (gunicorn in bin/serve, runserver in development).

A web server answers many visitors at once, one request per thread, so
numpy's BLAS runs each request on one thread: set before numpy is first
imported. On the 2-core machine, OpenBLAS on two threads took 4.7 ms to
score a question against 2,000 moment vectors, against 0.09 ms on one, and
its spinning threads took the cores from the other requests (bench/load.py).
A larger archive or a quiet batch job may set OPENBLAS_NUM_THREADS itself.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from django.core.wsgi import get_wsgi_application  # noqa: E402 - after the BLAS setting

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
