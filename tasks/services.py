"""
Writes to plans and their outline. Each is a keyword-only function named
<thing>_<verb> that validates, runs in one transaction and records who did it
(django-simple-history takes the acting user from the request, or from
_history_user where there is no request, as in management commands).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from indicators.models import Indicator, IndicatorTarget
from units.models import Unit

from .models import Milestone, Plan, Responsibility, Section, SpecificTask, WorkTask


@dataclass
class PlanImportResult:
    plan: Plan
    created: bool
    units_created: list[str]


def _date(value):
    return date.fromisoformat(value) if value else None


@transaction.atomic
def plan_import(*, data: dict, user=None) -> PlanImportResult:
    """
    Create a plan with its outline, milestones, units and indicators from the
    structure in fixtures/plan_*.json (the Excel importer builds the same
    structure). A plan whose title already exists is left exactly as it is.
    """
    meta = data["plan"]
    existing = Plan.objects.filter(title=meta["title"]).first()
    if existing is not None:
        return PlanImportResult(plan=existing, created=False, units_created=[])

    units_created = []
    kinds = {u["name"]: u.get("kind", Unit.Kind.DEPARTMENT) for u in data.get("units", [])}
    named = [name for s in data["sections"] for w in s["work_tasks"] for i in w["items"] for name in i["units"]]
    units = {}
    for order, name in enumerate(dict.fromkeys(list(kinds) + named)):
        unit, created = Unit.objects.get_or_create(
            name=name, defaults={"kind": kinds.get(name, Unit.Kind.DEPARTMENT), "sort_order": order}
        )
        if created:
            units_created.append(name)
        units[name] = unit

    plan = Plan.objects.create(
        title=meta["title"],
        short_title=meta.get("short_title", ""),
        doc_number=meta.get("doc_number", ""),
        issuer=meta.get("issuer", ""),
        issue_date=_date(meta.get("issue_date")),
        start_year=meta["start_year"],
        end_year=meta["end_year"],
        status=meta.get("status", Plan.Status.DRAFT),
        report_due_day=meta.get("report_due_day", 5),
        description=meta.get("description", ""),
    )
    tasks_by_code = {}
    for s_order, s in enumerate(data["sections"]):
        section = Section.objects.create(
            plan=plan,
            number=s.get("number", ""),
            title=s["title"],
            kind=s.get("kind", Section.Kind.CHAPTER),
            description=s.get("description", ""),
            order=s_order,
        )
        for w in s["work_tasks"]:
            work_task = WorkTask.objects.create(section=section, seq=w["seq"], number=w.get("number", ""), title=w["title"])
            for t_order, item in enumerate(w["items"]):
                task = SpecificTask.objects.create(
                    work_task=work_task,
                    number=item.get("number", ""),
                    order=t_order,
                    text=item["text"],
                    body_text=item.get("body_text", ""),
                    deadline=_date(item.get("deadline")),
                    continues_after_deadline=item.get("continues_after_deadline", False),
                )
                tasks_by_code[task.code] = task
                Responsibility.objects.bulk_create(
                    Responsibility(
                        task=task,
                        unit=units[name],
                        role=Responsibility.Role.LEAD if u_order == 0 else Responsibility.Role.CO,
                        order=u_order,
                    )
                    for u_order, name in enumerate(item["units"])
                )
                Milestone.objects.bulk_create(
                    Milestone(task=task, year=m["year"], due_date=_date(m["due_date"]), text=m["text"], order=m_order)
                    for m_order, m in enumerate(item.get("milestones", []))
                )

    for i_order, ind in enumerate(data.get("indicators", [])):
        indicator = Indicator.objects.create(
            plan=plan,
            name=ind["name"],
            measure=ind["measure"],
            mode=ind.get("mode", Indicator.Mode.CUMULATIVE),
            source_text=ind.get("source_text", ""),
            order=i_order,
        )
        IndicatorTarget.objects.bulk_create(
            IndicatorTarget(
                indicator=indicator, year=t["year"], value=Decimal(str(t["value"])), source_text=t.get("source_text", "")
            )
            for t in ind["targets"]
        )
        indicator.tasks.set([tasks_by_code[code] for code in ind.get("tasks", [])])
    return PlanImportResult(plan=plan, created=True, units_created=units_created)
