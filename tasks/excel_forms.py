"""Forms of the Excel pages (tasks.views.excel). They check what was typed; reading the file is tasks.excel_import's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .calendar import Period, plan_periods, today
from .models import Plan

MAX_PLAN_YEARS = 10


class Styled:
    """Bootstrap classes on every widget, so templates can render fields as they come."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class ExcelFileField(forms.FileField):
    widget = forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"})


class PlanImportForm(Styled, forms.Form):
    """A new plan from a progress table: the sheet gives the outline, the form what the sheet does not say."""

    file = ExcelFileField(label=_("Progress table (.xlsx)"))
    title = forms.CharField(label=_("Title"), max_length=200)
    short_title = forms.CharField(label=_("Short title"), max_length=60, required=False)
    doc_number = forms.CharField(label=_("Document number"), max_length=60, required=False)
    issuer = forms.CharField(label=_("Issuer"), max_length=100, required=False)
    start_year = forms.IntegerField(label=_("First year"), min_value=2000, max_value=2100)
    end_year = forms.IntegerField(label=_("Last year"), min_value=2000, max_value=2100)

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if Plan.objects.filter(title=title).exists():
            raise forms.ValidationError(_("A plan with this title already exists."))
        return title

    def clean(self):
        data = super().clean()
        start, end = data.get("start_year"), data.get("end_year")
        if start and end:
            if end < start:
                self.add_error("end_year", _("The last year cannot be before the first."))
            elif end - start + 1 > MAX_PLAN_YEARS:
                self.add_error("end_year", _("A plan covers at most %(n)s years.") % {"n": MAX_PLAN_YEARS})
        return data

    def meta(self) -> dict:
        """The plan fields plan_import() takes besides title and years."""
        return {k: self.cleaned_data[k].strip() for k in ("short_title", "doc_number", "issuer")}


class KeyTasksImportForm(Styled, forms.Form):
    """A year's key-task list for an existing plan."""

    file = ExcelFileField(label=_("Key-task list (.xlsx)"))
    year = forms.TypedChoiceField(label=_("Year of the list"), coerce=int)

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in plan.years]


def period_choices(plan: Plan, *, begun_only: bool = False) -> list[tuple[str, str]]:
    """The plan's quarters, newest first; begun_only leaves out those not yet begun (nothing to report on)."""
    periods = [p for p in plan_periods(plan) if not begun_only or p.start <= today()]
    return [(p.label, str(p)) for p in reversed(periods)]


class PeriodForm(Styled, forms.Form):
    """?period=2022Q3, one of the plan's quarters."""

    period = forms.ChoiceField(label=_("Quarter"))

    def __init__(self, *args, plan: Plan, begun_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = period_choices(plan, begun_only=begun_only)

    def clean_period(self) -> Period:
        return Period.parse(self.cleaned_data["period"])


class UpdateImportForm(PeriodForm):
    """A unit's filled-in update template for one quarter."""

    file = ExcelFileField(label=_("Filled-in template (.xlsx)"))

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, plan=plan, begun_only=True, **kwargs)
