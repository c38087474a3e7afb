"""
The one place that decides who sees and changes what. Every view that touches
an update goes through get_update_for_user(); role-only pages use the
decorators. Outsiders get 404 (the address tells them nothing); read-only
users get 403.

- Commission staff (and administrators) see and review everything.
- A unit reporter writes updates for the tasks its unit leads or co-owns,
  sees its own unit's updates in any state, approved updates of every task,
  and, on tasks its unit leads, the co-units' submitted updates.
  Nobody sees another unit's drafts.
- Leadership sees approved updates and edits nothing.

Write views check the role first (decorators: a read-only user gets 403
whatever the address), then the object (get_update_for_unit,
get_update_for_review, get_task_for_reporter: a reporter gets 404 for
anything not its own unit's, so an address never tells it what exists).
Administrators (superusers) count as commission staff everywhere.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from .models import Attachment, Responsibility, SpecificTask, Update


def commission_required(view):
    """Commission staff and administrators only; everyone else gets 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_commission:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def reporter_required(view):
    """Unit reporters only (they act for their unit); everyone else gets 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_reporter:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def visible_updates(user, queryset: QuerySet[Update] | None = None) -> QuerySet[Update]:
    """The updates user may read."""
    queryset = Update.objects.all() if queryset is None else queryset
    if user.is_commission:
        return queryset
    approved = Q(state=Update.State.APPROVED)
    if not user.is_reporter:
        return queryset.filter(approved)
    leads_task = Exists(
        Responsibility.objects.filter(task=OuterRef("task"), unit=user.unit_id, role=Responsibility.Role.LEAD)
    )
    co_unit_submitted = Q(leads_task, state__in=[Update.State.SUBMITTED, Update.State.APPROVED])
    return queryset.filter(approved | Q(unit=user.unit_id) | co_unit_submitted)


def unit_role_on_task(user, task: SpecificTask) -> str | None:
    """'lead', 'co' or None: the reporter's unit's place on the task."""
    if not user.is_reporter:
        return None
    return (
        Responsibility.objects.filter(task=task, unit=user.unit_id).values_list("role", flat=True).first()
    )


def get_update_for_user(user, pk) -> tuple[Update, bool]:
    """
    (update, can_edit). 404 when user may not see it at all. can_edit is True
    only for a reporter of the update's own unit while the unit may change it
    (draft or returned).
    """
    try:
        update = visible_updates(user).select_related("task__work_task__section__plan", "unit").get(pk=pk)
    except (Update.DoesNotExist, ValueError):
        raise Http404 from None
    can_edit = user.is_reporter and update.unit_id == user.unit_id and update.is_editable_by_unit
    return update, can_edit


def get_task_for_reporter(user, task_id) -> tuple[SpecificTask, str]:
    """
    (task, role) for a reporter writing about a task: 404 unless the user's unit
    leads or co-owns it, 403 for users who never write updates.
    """
    if not user.is_reporter:
        raise PermissionDenied
    task = SpecificTask.objects.select_related("work_task__section__plan").filter(pk=task_id).first()
    role = unit_role_on_task(user, task) if task else None
    if role is None:
        raise Http404
    return task, role


def get_update_for_unit(user, pk) -> Update:
    """
    An update the user's unit writes, for the views that change it. 404 unless
    it is the reporter's own unit's update on a task the unit still leads or
    co-owns (another unit's update, even an approved one anyone may read, is
    not there to edit); 403 for users who never write updates. Whether its
    state allows a change is the services' decision, so the refusal can say why.
    """
    if not user.is_reporter:
        raise PermissionDenied
    update = (
        Update.objects.select_related("task__work_task__section__plan", "unit")
        .filter(pk=pk, unit=user.unit_id)
        .filter(Exists(Responsibility.objects.filter(task=OuterRef("task"), unit=user.unit_id)))
        .first()
    )
    if update is None:
        raise Http404
    return update


def get_update_for_review(user, pk) -> Update:
    """
    An update for commission staff to approve, return or reopen. Leadership
    gets 403; a reporter gets 403 on its own unit's update and 404 on any other.
    """
    if not (user.is_commission or user.is_reporter):
        raise PermissionDenied
    try:
        update = Update.objects.select_related("task__work_task__section__plan", "unit").get(pk=pk)
    except (Update.DoesNotExist, ValueError):
        raise Http404 from None
    if user.is_commission:
        return update
    if update.unit_id != user.unit_id:
        raise Http404
    raise PermissionDenied


def get_attachment_for_user(user, pk) -> Attachment:
    """An attachment is downloadable by exactly those who may see its update; 404 for everyone else."""
    attachment = (
        Attachment.objects.select_related("update")
        .filter(pk=pk, update__in=visible_updates(user).values("pk"))
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


def can_review(user) -> bool:
    return user.is_commission
