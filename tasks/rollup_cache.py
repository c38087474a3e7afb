"""
Whole-plan roll-ups kept between requests.

The pages that summarise every task of a plan (the plan page, the dashboards)
read every task, milestone and update of it: for a plan of 5,000 tasks that is
about a second of work, and the answer changes only when the data it reads
changes or the day turns. So tasks.rollup keeps those answers here, in the
"rollup" cache (settings.CACHES), under a key made of

- tokens (rows of tasks.models.RollupVersion) that change, in the same
  transaction, whenever data a roll-up reads is saved or deleted: the signal
  receivers below; bulk writes, which send no signals, call rollup_changed();
- the roll-up's name and arguments: the plan and the as-of day among them,
  so a view as of today moves to a new entry at midnight, when milestones
  fall late.

There are two tokens, because most writes during a reporting round are units
saving drafts, which no roll-up reads:

- APPROVED changes with the plans' outline, units, indicators and approved
  updates (their state, claims and contributions): task statuses, indicator
  values and milestone counts read only these.
- REPORTS changes when an update moves between states (submitted, returned,
  approved, reopened) or is returned: the units' scorecards read these, and
  approved data too, so they are keyed by both tokens.

Every process reads the tokens from the database (one small query) and uses
only what was computed under them, so a change made through any process is
seen by the next request of every other. Tokens are random, not counters: a
transaction that changed data, computed a roll-up and then rolled back leaves
a token that never comes back. What is cached is figures and ids, never text a
user typed or HTML, so it holds nothing that one user may see and another not.
"""

import contextvars
import secrets
from collections.abc import Callable
from typing import TypeVar

from django.apps import apps
from django.core.cache import caches
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save
from django.utils import timezone

from .models import RollupVersion, Update, UpdateEvent

T = TypeVar("T")
CACHE = "rollup"
APPROVED, REPORTS = 1, 2  # RollupVersion primary keys
_MISSING = object()

# Models whose every row some roll-up reads: any save or delete changes the APPROVED token.
OUTLINE_MODELS = [
    "tasks.Plan",
    "tasks.Section",
    "tasks.WorkTask",
    "tasks.SpecificTask",
    "tasks.Responsibility",
    "tasks.Milestone",
    "indicators.Indicator",
    "indicators.IndicatorTarget",
    "units.Unit",
]


def current_tokens() -> dict[int, int]:
    tokens = dict(RollupVersion.objects.filter(pk__in=[APPROVED, REPORTS]).values_list("pk", "token"))
    return {kind: tokens.get(kind, 0) for kind in (APPROVED, REPORTS)}


def rollup_changed(*kinds: int) -> None:
    """Say that roll-up data changed (by default all of it): what was cached before is not used again."""
    for kind in kinds or (APPROVED, REPORTS):
        token = secrets.randbits(62)
        if not RollupVersion.objects.filter(pk=kind).update(token=token, changed_at=timezone.now()):
            RollupVersion.objects.update_or_create(pk=kind, defaults={"token": token})


def cached(name: str, key: tuple, compute: Callable[[], T], *, reads_reports: bool = False) -> T:
    """
    compute()'s answer for (name, key), computed once per token, then read from the cache. key must hold
    every argument the answer depends on, the as-of day included.
    reads_reports: the answer depends on reports' states too (the scorecards), not only on approved data.
    """
    # A roll-up computed from others (counts from statuses) reads them under its own tokens: no second
    # look at the database, and all of one answer comes from one moment.
    tokens = _computing_under.get() or current_tokens()
    stamp = f"{tokens[APPROVED]}.{tokens[REPORTS]}" if reads_reports else str(tokens[APPROVED])
    cache_key = ":".join(["rollup", stamp, name, *map(str, key)])
    cache = caches[CACHE]
    value = cache.get(cache_key, _MISSING)
    if value is _MISSING:
        outer = _computing_under.set(tokens)
        try:
            value = compute()
        finally:
            _computing_under.reset(outer)
        cache.set(cache_key, value)
    return value


_computing_under = contextvars.ContextVar("rollup_tokens", default=None)


# What changes which token -----------------------------------------------------------------------------


def _outline_changed(sender, raw=False, **kwargs) -> None:
    if not raw:  # loaddata
        rollup_changed(APPROVED)


def _remember_state(sender, instance, **kwargs) -> None:
    """post_init of Update: the state as loaded, so post_save can tell whether it moved."""
    instance._rollup_loaded_state = instance.__dict__.get("state")


def _update_saved(sender, instance, created, raw=False, **kwargs) -> None:
    """
    A new draft, or a draft saved again, changes no roll-up; a move between states changes the reports'
    token, and one into or out of 已通过 the approved data's. An update whose state was not loaded
    (deferred) may have moved anywhere.
    """
    if raw:
        return
    before = None if created else instance._rollup_loaded_state
    unknown = not created and before is None
    if unknown or Update.State.APPROVED in (instance.state, before):
        rollup_changed(APPROVED)
    if unknown or (before != instance.state and not (created and instance.state == Update.State.DRAFT)):
        rollup_changed(REPORTS)
    instance._rollup_loaded_state = instance.state


def _update_deleted(sender, instance, **kwargs) -> None:
    if instance.state == Update.State.APPROVED:
        rollup_changed(APPROVED)
    if instance.submitted_at is not None:
        rollup_changed(REPORTS)


def _event_changed(sender, instance, raw=False, **kwargs) -> None:
    if not raw and instance.action == UpdateEvent.Action.RETURNED:
        rollup_changed(REPORTS)


def _contribution_changed(sender, instance, raw=False, **kwargs) -> None:
    """Only approved contributions are counted: a draft's figures change nothing."""
    if raw:
        return
    field = sender._meta.get_field("update")
    if field.is_cached(instance):
        approved = field.get_cached_value(instance).state == Update.State.APPROVED
    else:
        approved = Update.objects.filter(pk=instance.update_id, state=Update.State.APPROVED).exists()
    if approved:
        rollup_changed(APPROVED)


def _claims_changed(sender, instance, action, reverse, **kwargs) -> None:
    """Claims count once their update is approved; from the milestone's side, assume they may."""
    if action.startswith("post_") and (reverse or instance.state == Update.State.APPROVED):
        rollup_changed(APPROVED)


def _indicator_tasks_changed(sender, action, **kwargs) -> None:
    if action.startswith("post_"):
        rollup_changed(APPROVED)


def connect_signals() -> None:
    """Called from TasksConfig.ready()."""
    for label in OUTLINE_MODELS:
        model = apps.get_model(label)
        post_save.connect(_outline_changed, sender=model, dispatch_uid=f"rollup_cache.save.{label}")
        post_delete.connect(_outline_changed, sender=model, dispatch_uid=f"rollup_cache.delete.{label}")
    post_init.connect(_remember_state, sender=Update, dispatch_uid="rollup_cache.update.init")
    post_save.connect(_update_saved, sender=Update, dispatch_uid="rollup_cache.update.save")
    post_delete.connect(_update_deleted, sender=Update, dispatch_uid="rollup_cache.update.delete")
    post_save.connect(_event_changed, sender=UpdateEvent, dispatch_uid="rollup_cache.event.save")
    post_delete.connect(_event_changed, sender=UpdateEvent, dispatch_uid="rollup_cache.event.delete")
    contribution = apps.get_model("indicators.Contribution")
    post_save.connect(_contribution_changed, sender=contribution, dispatch_uid="rollup_cache.contribution.save")
    post_delete.connect(_contribution_changed, sender=contribution, dispatch_uid="rollup_cache.contribution.delete")
    m2m_changed.connect(
        _claims_changed, sender=Update.claimed_milestones.through, dispatch_uid="rollup_cache.update.claims"
    )
    indicator = apps.get_model("indicators.Indicator")
    m2m_changed.connect(
        _indicator_tasks_changed, sender=indicator.tasks.through, dispatch_uid="rollup_cache.indicator.tasks"
    )
