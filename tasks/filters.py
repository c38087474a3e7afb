"""
What a page is looking at, read from its address so any view can be bookmarked
or sent to a colleague: the task list's filters (django-filter) and the
"as of" quarter the plan page and the task list are viewed at.

A value that does not parse is ignored with a message saying which and why;
it never fails the page.
"""

import re
from datetime import date

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from units.models import Unit

from . import rollup
from .calendar import Period, today
from .models import Milestone, Plan, Responsibility, Section, WorkTask


class AsOfForm(forms.Form):
    """?as_of=2022Q2 views progress as of the last day of that quarter; empty means today."""

    as_of = forms.CharField(label=_("As of"), required=False)

    def clean_as_of(self) -> Period | None:
        value = self.cleaned_data["as_of"].strip()
        if not value:
            return None
        try:
            period = Period.parse(value)
            period.end  # noqa: B018 - a year such as 0 or 99999 has no dates
        except ValueError:
            raise ValidationError(
                _("“%(value)s” is not a quarter. Use a year and quarter, such as 2022Q2."), params={"value": value}
            ) from None
        if period.start > today():
            raise ValidationError(
                _("%(period)s has not begun yet: progress can be viewed as of a past or the current quarter."),
                params={"period": period},
            )
        return period


def read_as_of(data) -> tuple[Period | None, date, list[str]]:
    """(period or None, the day to evaluate on, error messages) from request.GET."""
    form = AsOfForm(data)
    if form.is_valid():
        period = form.cleaned_data["as_of"]
        return period, min(period.end, today()) if period else today(), []
    return None, today(), [str(e) for e in form.errors["as_of"]]


def as_of_choices(first_year: int, last_year: int) -> list[tuple[str, str]]:
    """Quarters from first_year Q1 to the current one (or last_year Q4 if earlier), newest first."""
    last = min(Period(last_year, 4), Period.containing(today()))
    period, choices = Period(first_year, 1), []
    while period <= last:
        choices.append((period.label, str(period)))
        period = period.next()
    return choices[::-1]


class _PlanLabelled(forms.ModelChoiceField):
    """Section and work task choices name their plan: two plans both have a section 一."""

    def label_from_instance(self, obj):
        plan = obj.plan if isinstance(obj, Section) else obj.section.plan
        return f"{plan} · {obj}"


class PlanLabelledFilter(django_filters.ModelChoiceFilter):
    field_class = _PlanLabelled


# Above this many work tasks to choose from, the work-task filter waits for a section to be chosen.
WORK_TASK_CHOICES = 100

CODE = re.compile(r"^(\d+)(?:-(\d+))?$")


class TaskFilter(django_filters.FilterSet):
    """Filters of the task list; its queryset must come from tasks.selectors.task_list()."""

    plan = django_filters.ModelChoiceFilter(
        label=_("Plan"), queryset=Plan.objects.all(), field_name="work_task__section__plan", empty_label=_("All")
    )
    section = PlanLabelledFilter(
        label=_("Section"),
        queryset=Section.objects.select_related("plan"),
        field_name="work_task__section",
        empty_label=_("All"),
    )
    work_task = PlanLabelledFilter(
        label=_("Work task"),
        queryset=WorkTask.objects.select_related("section__plan"),
        field_name="work_task",
        empty_label=_("All"),
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("Unit"), queryset=Unit.objects.all(), method="filter_unit", empty_label=_("All")
    )
    role = django_filters.ChoiceFilter(
        label=_("As"), choices=Responsibility.Role.choices, empty_label=_("Lead or co-responsible"), method="filter_role"
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=rollup.TaskStatus.choices, field_name="status", empty_label=_("All")
    )
    year = django_filters.ChoiceFilter(label=_("Year"), method="filter_year", empty_label=_("All"))
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"),
        method="filter_overdue",
        widget=forms.Select(choices=[("", _("All")), ("true", _("Overdue only")), ("false", _("Not overdue"))]),
    )
    q = django_filters.CharFilter(label=_("Keyword"), method="filter_keyword", max_length=100)

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        plans = list(Plan.objects.order_by("-start_year"))
        years = sorted({year for plan in plans for year in plan.years}, reverse=True)
        self.filters["year"].extra["choices"] = [(str(y), str(y)) for y in years]
        # Offer only the chosen plan's sections, and the work tasks of the chosen section (or of the chosen
        # work task's), else of the plan; an unparsable value narrows nothing.
        data = data or {}
        plan_id, section_id, work_task_id = (str(data.get(name, "")) for name in ("plan", "section", "work_task"))
        sections, work_tasks = self.filters["section"].queryset, self.filters["work_task"].queryset
        if plan_id.isdigit():
            sections = sections.filter(plan_id=plan_id)
            work_tasks = work_tasks.filter(section__plan_id=plan_id)
        if section_id.isdigit():
            work_tasks = work_tasks.filter(section_id=section_id)
        elif work_task_id.isdigit():
            work_tasks = work_tasks.filter(section__work_tasks=work_task_id)
        self.filters["section"].queryset, self.filters["work_task"].queryset = sections, work_tasks
        self.narrowed_to_a_section = section_id.isdigit() or work_task_id.isdigit()
        self.plans = plans
        for name, field in self.form.fields.items():
            if name == "q":
                field.widget.input_type = "search"
                field.widget.attrs.update(
                    {"class": "form-control form-control-sm", "placeholder": _("Words in the task, or a code such as 4-2")}
                )
            else:  # choosing from a list applies it at once (static/js/app.js)
                field.widget.attrs.update({"class": "form-select form-select-sm", "data-autosubmit": ""})
        # A new plan or section empties the choices that belonged to the old one before the form is sent.
        self.form.fields["plan"].widget.attrs["data-clears"] = "section work_task"
        self.form.fields["section"].widget.attrs["data-clears"] = "work_task"

    def offer_work_tasks_by_section(self) -> None:
        """
        For a page that shows the filters: when no section is chosen and there are more than
        WORK_TASK_CHOICES work tasks to offer, offer none until a section is chosen (one more query). A
        list of a thousand is no help to anyone, and rendering it is most of the page's time.
        """
        field = self.form.fields["work_task"]
        if not self.narrowed_to_a_section and field.queryset.count() > WORK_TASK_CHOICES:
            field.queryset = field.queryset.none()
            field.empty_label = _("All (choose a section to pick one)")

    def filter_unit(self, queryset, name, unit):
        role = self.form.cleaned_data.get("role")
        on_task = Responsibility.objects.filter(task=OuterRef("pk"), unit=unit)
        if role:
            on_task = on_task.filter(role=role)
        return queryset.filter(Exists(on_task))

    def filter_role(self, queryset, name, value):
        return queryset  # applied by filter_unit: a role means nothing without a unit

    def filter_year(self, queryset, name, year):
        return queryset.filter(Exists(Milestone.objects.filter(task=OuterRef("pk"), year=int(year))))

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(rollup.OVERDUE) if value else queryset.exclude(rollup.OVERDUE)

    def filter_keyword(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        found = Q(text__icontains=value) | Q(body_text__icontains=value)
        code = CODE.match(value)
        if code:  # "4-2" or "4" finds the task by its code too
            seq, item = code.groups()
            found |= Q(work_task__seq=int(seq), number=f"{item}.") if item else Q(work_task__seq=int(seq))
        return queryset.filter(found)

    def error_messages(self) -> list[str]:
        """One line per filter that was ignored, naming it."""
        return [
            f"{self.form.fields[name].label}：{' '.join(str(e) for e in errors)}"
            for name, errors in self.form.errors.items()
        ]
