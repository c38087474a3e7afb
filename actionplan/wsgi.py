import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "actionplan.settings")

application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their settings and URLs) lives as long as the worker. Frozen
# out of the cyclic garbage collector's sight, it is no longer walked by every full collection: on pages
# that summarise a plan of thousands of tasks those took some 50 ms and fell on one request in ten.
gc.freeze()
