from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tasks"
    verbose_name = _("Plans and tasks")

    def ready(self):
        from . import rollup_cache

        rollup_cache.connect_signals()
