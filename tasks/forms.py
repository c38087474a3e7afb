"""
Forms of the quarterly loop. They validate and normalise what a person typed,
with messages in the interface language; the views hand cleaned_data to
tasks.services, which checks the same rules again for callers without a form.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import calendar, services
from .calendar import Period
from .models import Attachment, Milestone, Plan, Update

REVISION_ERRORS = {
    "required": _("The form is incomplete. Please reload the page and try again."),
    "invalid": _("The form is incomplete. Please reload the page and try again."),
}


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input multiple>; each must pass services.attachment_check."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        cleaned, errors = [], []
        for file in files:
            file = super().clean(file, initial)
            try:
                services.attachment_check(file)
            except ValidationError as exc:
                errors.extend(exc.messages)
            cleaned.append(file)
        if errors:
            raise ValidationError(errors)
        return cleaned


def _period_choices(plans) -> list[tuple[str, str]]:
    seen = {}
    for plan in plans:
        for period in calendar.plan_periods(plan):
            seen[period] = str(period)
    return [(p.label, label) for p, label in sorted(seen.items(), reverse=True)]


class UpdateForm(forms.Form):
    """
    The unit's quarterly update. Saving a draft checks only that what was typed
    is valid (numbers are numbers, milestones are the task's); submitting also
    checks completeness, by services.submission_errors.
    """

    progress = forms.CharField(
        label=_("Progress"),
        required=False,
        max_length=services.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    problems = forms.CharField(
        label=_("Problems"),
        required=False,
        max_length=services.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Write “无” if there were none."),
    )
    next_steps = forms.CharField(
        label=_("Next steps"),
        required=False,
        max_length=services.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    self_status = forms.ChoiceField(
        label=_("Self-assessed status"),
        choices=Update.SelfStatus.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Please choose one of the statuses shown.")},
    )
    milestones = forms.ModelMultipleChoiceField(
        label=_("Milestones claimed as met"),
        queryset=Milestone.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("A milestone claimed as met is not one of this task's milestones."),
            "invalid_pk_value": _("A milestone claimed as met is not one of this task's milestones."),
        },
    )
    attachments = MultipleFileField(
        label=_("Add evidence files"),
        required=False,
        help_text=_("PDF, Word, Excel, PowerPoint or images; several files may be chosen at once."),
    )
    remove_attachments = forms.ModelMultipleChoiceField(
        label=_("Remove attachments"),
        queryset=Attachment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("That attachment belongs to another update.")},
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, error_messages=REVISION_ERRORS)

    def __init__(self, *args, update: Update, indicators, submitting: bool = False, **kwargs):
        self.update = update
        self.indicators = list(indicators)
        self.submitting = submitting
        contributions = {c.indicator_id: c for c in update.contributions.all()}
        initial = {
            "progress": update.progress,
            "problems": update.problems,
            "next_steps": update.next_steps,
            "self_status": update.self_status,
            "milestones": [m.pk for m in update.claimed_milestones.all()],
            "revision": update.revision,
        }
        for indicator in self.indicators:
            contribution = contributions.get(indicator.pk)
            initial[f"contribution_{indicator.pk}"] = contribution.value if contribution else None
            initial[f"contribution_{indicator.pk}_description"] = contribution.description if contribution else ""
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["milestones"].queryset = Milestone.objects.filter(task=update.task_id).order_by("year", "order")
        self.fields["milestones"].label_from_instance = lambda m: f"{m.year}：{m.text}"
        self.fields["remove_attachments"].queryset = update.attachments.all()
        self.fields["remove_attachments"].label_from_instance = lambda a: a.name
        for indicator in self.indicators:
            self.fields[f"contribution_{indicator.pk}"] = forms.DecimalField(
                label=f"{indicator.name}（{indicator.measure}）",
                required=False,
                min_value=0,
                max_digits=14,
                decimal_places=2,
                error_messages={
                    "invalid": _("Please enter a number, such as 3 or 2.5."),
                    "min_value": _("A contribution cannot be negative."),
                    "max_digits": _("This number is too large."),
                    "max_whole_digits": _("This number is too large."),
                    "max_decimal_places": _("A contribution may have at most two decimal places."),
                },
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )
            self.fields[f"contribution_{indicator.pk}_description"] = forms.CharField(
                label=_("What was counted"),
                required=False,
                max_length=services.DESCRIPTION_MAX_LENGTH,
            )

    def contribution_rows(self):
        """(indicator, value field, description field) for the template."""
        return [
            (i, self[f"contribution_{i.pk}"], self[f"contribution_{i.pk}_description"]) for i in self.indicators
        ]

    def clean(self):
        cleaned = super().clean()
        for indicator in self.indicators:
            value = cleaned.get(f"contribution_{indicator.pk}")
            description = cleaned.get(f"contribution_{indicator.pk}_description", "")
            if value is None and description and f"contribution_{indicator.pk}" not in self.errors:
                self.add_error(f"contribution_{indicator.pk}", _("A description was given but no value."))
        if self.submitting:
            errors = services.submission_errors(
                progress=cleaned.get("progress", ""),
                problems=cleaned.get("problems", ""),
                next_steps=cleaned.get("next_steps", ""),
                self_status=cleaned.get("self_status", ""),
                contributions=[
                    (
                        i.pk,
                        cleaned.get(f"contribution_{i.pk}"),
                        cleaned.get(f"contribution_{i.pk}_description", ""),
                    )
                    for i in self.indicators
                ],
            )
            for name, message in errors.items():
                if name not in self.errors:
                    self.add_error(name, message)
        return cleaned

    def service_data(self) -> dict:
        """cleaned_data in the shape services.update_save_draft takes."""
        data = self.cleaned_data
        return {
            "progress": data["progress"],
            "problems": data["problems"],
            "next_steps": data["next_steps"],
            "self_status": data["self_status"],
            "milestones": list(data["milestones"]),
            "contributions": [
                {
                    "indicator": i,
                    "value": data.get(f"contribution_{i.pk}"),
                    "description": data.get(f"contribution_{i.pk}_description", ""),
                }
                for i in self.indicators
            ],
        }


class StartUpdateForm(forms.Form):
    """Start the unit's update on a task for one quarter, optionally from last quarter's text."""

    period = forms.CharField(error_messages={"required": _("Please choose a quarter.")})
    copy_previous = forms.BooleanField(required=False)

    def clean_period(self) -> Period:
        try:
            return Period.parse(self.cleaned_data["period"])
        except ValueError:
            raise ValidationError(_("Please choose a quarter.")) from None


class RevisionForm(forms.Form):
    """Approve: only the revision the reviewer read, so a newer version is not approved unseen."""

    revision = forms.IntegerField(widget=forms.HiddenInput, error_messages=REVISION_ERRORS)


class ReasonForm(RevisionForm):
    """Return or reopen: the reason is required, since the unit must know what to revise."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=services.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please give the reason, so the unit knows what to revise.")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Please give the reason, so the unit knows what to revise."))
        return reason


class UnitHomeForm(forms.Form):
    """Which plan and quarter the unit's home shows; either left out means the default."""

    plan = forms.TypedChoiceField(
        label=_("Plan"),
        coerce=int,
        required=False,
        error_messages={"invalid_choice": _("Your unit has no tasks in that plan.")},
    )
    period = forms.CharField(label=_("Quarter"), required=False)

    def __init__(self, *args, plans, default_plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plans = {p.pk: p for p in plans}
        self.default_plan = default_plan
        self.fields["plan"].choices = [(p.pk, str(p)) for p in plans]

    def clean(self):
        cleaned = super().clean()
        plan = self.plans.get(cleaned.get("plan")) or self.default_plan
        cleaned["plan"] = plan
        raw = cleaned.get("period")
        cleaned["period"] = None
        if raw and "plan" not in self.errors:
            try:
                period = Period.parse(raw)
            except ValueError:
                self.add_error("period", _("Please choose a quarter."))
                return cleaned
            if plan is None or not calendar.in_plan(plan, period):
                self.add_error(
                    "period",
                    _("%(period)s is outside the plan's years (%(start)s–%(end)s).")
                    % {"period": period, "start": plan.start_year if plan else "", "end": plan.end_year if plan else ""},
                )
                return cleaned
            cleaned["period"] = period
        return cleaned


class UpdateFilterForm(forms.Form):
    """The filters of the list of updates (the review queue for staff)."""

    plan = forms.TypedChoiceField(label=_("Plan"), coerce=int, required=False, empty_value=None)
    period = forms.ChoiceField(label=_("Quarter"), required=False)
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int, required=False, empty_value=None)
    state = forms.ChoiceField(label=_("State"), required=False)

    def __init__(self, *args, plans, units, states, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices from lists the view read once, so rendering the selects runs no further query.
        self.plans = {p.pk: p for p in plans}
        self.units = {u.pk: u for u in units}
        self.fields["plan"].choices = [("", _("All plans"))] + [(p.pk, str(p)) for p in plans]
        self.fields["period"].choices = [("", _("All quarters"))] + _period_choices(plans)
        self.fields["unit"].choices = [("", _("All units"))] + [(u.pk, u.display_name) for u in units]
        self.fields["state"].choices = [("", _("All states"))] + list(states)

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "plan": self.plans.get(data.get("plan")),
            "period": Period.parse(data["period"]) if data.get("period") else None,
            "unit": self.units.get(data.get("unit")),
            "state": data.get("state") or None,
        }
