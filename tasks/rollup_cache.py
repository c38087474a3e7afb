"""
Whole-plan roll-ups kept between requests.

The pages that summarise every task of a plan (the plan page, the dashboards)
read every task, milestone and update of it: for a plan of 5,000 tasks that is
about a second of work, and the answer changes only when reporting data
changes or the day turns. So tasks.rollup keeps those answers here, in the
"rollup" cache (settings.CACHES), under a key made of

- the token of tasks.models.RollupVersion, which changes, in the same
  transaction, whenever a model the roll-up reads is saved or deleted (the
  signal receivers below; bulk writes that send no signals call
  rollup_changed() themselves);
- today's date, because milestones fall late at midnight;
- the roll-up's name and arguments (plan, as-of day, ...).

Every process reads the token from the database (one small query) and uses
only what was computed under it, so a change made through any process is seen
by the next request of every other. The token is random, not a counter: a
transaction that changed data, computed a roll-up and then rolled back leaves
a token that never comes back. What is cached is figures and ids, never text a
user typed or HTML, so it holds nothing that one user may see and another not.
"""

import secrets
from collections.abc import Callable
from typing import TypeVar

from django.apps import apps
from django.core.cache import caches
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from .calendar import today
from .models import RollupVersion

T = TypeVar("T")
CACHE = "rollup"
_MISSING = object()

# Every model whose rows a roll-up reads, and the many-to-many tables among them.
WATCHED_MODELS = [
    "tasks.Plan",
    "tasks.Section",
    "tasks.WorkTask",
    "tasks.SpecificTask",
    "tasks.Responsibility",
    "tasks.Milestone",
    "tasks.Update",
    "tasks.UpdateEvent",
    "indicators.Indicator",
    "indicators.IndicatorTarget",
    "indicators.Contribution",
    "units.Unit",
]
WATCHED_M2M = [("tasks.Update", "claimed_milestones"), ("indicators.Indicator", "tasks")]


def current_token() -> int:
    token = RollupVersion.objects.filter(pk=1).values_list("token", flat=True).first()
    return 0 if token is None else token


def rollup_changed() -> None:
    """Say that roll-up data changed: what was cached before is not used again."""
    token = secrets.randbits(62)
    if not RollupVersion.objects.filter(pk=1).update(token=token, changed_at=timezone.now()):
        RollupVersion.objects.update_or_create(pk=1, defaults={"token": token})


def cached(name: str, key: tuple, compute: Callable[[], T]) -> T:
    """compute()'s answer for (name, key), computed once per token and day, then read from the cache."""
    cache_key = ":".join(["rollup", str(current_token()), today().isoformat(), name, *map(str, key)])
    cache = caches[CACHE]
    value = cache.get(cache_key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(cache_key, value)
    return value


def _changed(sender, **kwargs) -> None:
    if kwargs.get("raw"):  # loaddata: the command that loads fixtures says so itself when it matters
        return
    rollup_changed()


def _m2m_changed(sender, action, **kwargs) -> None:
    if action.startswith("post_"):
        rollup_changed()


def connect_signals() -> None:
    """Called from TasksConfig.ready()."""
    for label in WATCHED_MODELS:
        model = apps.get_model(label)
        post_save.connect(_changed, sender=model, dispatch_uid=f"rollup_cache.save.{label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"rollup_cache.delete.{label}")
    for label, field in WATCHED_M2M:
        through = getattr(apps.get_model(label), field).through
        m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"rollup_cache.m2m.{label}.{field}")
