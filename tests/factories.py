"""Small builders for test data that the seed plans do not hold: updates in any state."""

from decimal import Decimal

from django.utils import timezone

from indicators.models import Contribution
from tasks.models import Update
from units.models import Unit, User


def make_update(
    task,
    unit,
    year,
    quarter,
    *,
    state=Update.State.APPROVED,
    self_status=Update.SelfStatus.ON_TRACK,
    claims=(),
    contributions=None,
    user=None,
    progress="按计划推进。",
    submitted_at=None,
):
    """An update as it stands after the given state was reached. unit may be a Unit or its name."""
    if isinstance(unit, str):
        unit = Unit.objects.get(name=unit)
    user = user or User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        f"factory{User.objects.count()}", "", "Factory2026pass"
    )
    submitted = state != Update.State.DRAFT
    update = Update.objects.create(
        task=task,
        unit=unit,
        year=year,
        quarter=quarter,
        state=state,
        self_status=self_status,
        progress=progress,
        created_by=user,
        submitted_at=(submitted_at or timezone.now()) if submitted else None,
        last_submitted_at=(submitted_at or timezone.now()) if submitted else None,
        reviewed_at=timezone.now() if state == Update.State.APPROVED else None,
        reviewed_by=user if state == Update.State.APPROVED else None,
    )
    update.claimed_milestones.set(claims)
    for indicator, value in (contributions or {}).items():
        Contribution.objects.create(update=update, indicator=indicator, value=Decimal(str(value)))
    return update
