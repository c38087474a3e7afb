"""Reads of plans and their outline, already joined for the pages that list them."""

from django.db.models import Count, Prefetch, QuerySet

from .models import Milestone, Plan, Responsibility, Section, SpecificTask, WorkTask


def plan_list() -> QuerySet[Plan]:
    return Plan.objects.annotate(
        section_count=Count("sections", distinct=True),
        task_count=Count("sections__work_tasks__specific_tasks", distinct=True),
    ).order_by("-start_year")


def plan_outline(plan: Plan) -> QuerySet[Section]:
    """Sections → work tasks → specific tasks with their units (in printed order) and milestones."""
    specific_tasks = SpecificTask.objects.order_by("order").prefetch_related(
        Prefetch("responsibilities", queryset=Responsibility.objects.select_related("unit").order_by("order")),
        Prefetch("milestones", queryset=Milestone.objects.order_by("year", "order")),
    )
    work_tasks = WorkTask.objects.order_by("seq").prefetch_related(Prefetch("specific_tasks", queryset=specific_tasks))
    return plan.sections.order_by("order").prefetch_related(Prefetch("work_tasks", queryset=work_tasks))
