"""
The quarterly loop's pages: the unit's home (本单位任务), the update form, an
update's page with its versions, differences and history, the list of updates
(the review queue for staff), the review actions and attachment downloads.

Access goes through tasks.access only; writes through tasks.services only.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from indicators.models import Indicator
from units.models import Unit

from .. import access, calendar, reporting, services
from ..calendar import Period
from ..forms import ReasonForm, RevisionForm, StartUpdateForm, UnitHomeForm, UpdateFilterForm, UpdateForm
from ..models import Plan, Update

PAGE_SIZE = 50


def _error_messages(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# The unit's home --------------------------------------------------------------------------------------------


@require_GET
@access.reporter_required
def unit_home(request):
    unit = request.user.unit
    plans = reporting.unit_plans(unit)
    today = calendar.today()
    form = UnitHomeForm(request.GET, plans=plans, default_plan=reporting.default_plan(plans))
    if form.is_valid():
        plan, period = form.cleaned_data["plan"], form.cleaned_data["period"]
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        plan, period = form.default_plan, None
    if plan is not None and period is None:
        period = calendar.reporting_period(plan, today)
    rows = reporting.unit_report_rows(unit, plan, period, today) if plan else []
    return render(
        request,
        "tasks/updates/unit_home.html",
        {
            "unit": unit,
            "plans": plans,
            "plan": plan,
            "period": period,
            "period_choices": [(p.label, str(p)) for p in calendar.plan_periods(plan)] if plan else [],
            "due": calendar.due_date(plan, period) if plan else None,
            "today": today,
            "rows": rows,
        },
    )


@require_POST
@access.reporter_required
def update_start(request, task_id):
    task, _role = access.get_task_for_reporter(request.user, task_id)
    form = StartUpdateForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("tasks:unit_home")
    period = form.cleaned_data["period"]
    try:
        update = services.update_start(
            task=task,
            unit=request.user.unit,
            period=period,
            user=request.user,
            copy_previous=form.cleaned_data["copy_previous"],
        )
    except ValidationError as exc:
        _error_messages(request, exc)
        return redirect("tasks:unit_home")
    if form.cleaned_data["copy_previous"] and reporting.previous_quarter_update(update) is None:
        messages.info(request, _("There was no update of the quarter before to start from."))
    return redirect("tasks:update_edit", update.pk)


# The update form --------------------------------------------------------------------------------------------


def _edit_context(request, update: Update, form: UpdateForm, conflict: Update | None = None) -> dict:
    versions = list(update.versions.order_by("number"))
    previous = reporting.previous_quarter_update(update)
    previous_version = None
    if previous is not None:
        submitted = list(previous.versions.all())
        previous_version = submitted[-1] if submitted else None
    context = {
        "update": update,
        "task": update.task,
        "plan": update.task.work_task.section.plan,
        "period": Period(update.year, update.quarter),
        "due": calendar.due_date(update.task.work_task.section.plan, Period(update.year, update.quarter)),
        "form": form,
        "last_version": versions[-1] if versions else None,
        "previous_update": previous,
        "previous_version": previous_version,
        "co_updates": reporting.co_unit_updates(request.user, update),
        "attachments": update.attachments.select_related("uploaded_by"),
        "conflict": conflict,
        "max_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
    }
    if conflict is not None:
        mine = form.cleaned_data if hasattr(form, "cleaned_data") else {}
        context["conflict_diffs"] = [
            (label, reporting.text_diff(getattr(conflict, name), mine.get(name, request.POST.get(name, ""))))
            for name, label in reporting.TEXT_FIELDS
        ]
    return context


@require_http_methods(["GET", "POST"])
@access.reporter_required
def update_edit(request, update_id):
    update = access.get_update_for_unit(request.user, update_id)
    if not update.is_editable_by_unit:
        if update.state == Update.State.APPROVED:
            messages.error(request, _("This update has been approved and is locked. Ask the commission to reopen it."))
        else:
            messages.error(
                request, _("This update has been submitted and is waiting for review; it cannot be changed now.")
            )
        return redirect("tasks:update_detail", update.pk)
    indicators = Indicator.objects.filter(tasks=update.task_id).order_by("order")
    if request.method == "GET":
        form = UpdateForm(update=update, indicators=indicators)
        return render(request, "tasks/updates/edit.html", _edit_context(request, update, form))

    submitting = request.POST.get("action") == "submit"
    form = UpdateForm(request.POST, request.FILES, update=update, indicators=indicators, submitting=submitting)
    if not form.is_valid():
        if request.FILES:
            messages.warning(request, _("Nothing was saved. Files you chose must be chosen again."))
        return render(request, "tasks/updates/edit.html", _edit_context(request, update, form), status=400)
    save = services.update_save_and_submit if submitting else services.update_save_draft
    try:
        update = save(
            update=update,
            user=request.user,
            data=form.service_data(),
            revision=form.cleaned_data["revision"],
            add_files=form.cleaned_data["attachments"],
            remove_attachments=form.cleaned_data["remove_attachments"],
        )
    except services.UpdateConflict as conflict:
        # Show both texts. The form keeps what this person typed; its revision becomes the saved one,
        # so saving again (after reading the other text) is a deliberate choice to replace it.
        data = request.POST.copy()
        data["revision"] = conflict.current.revision
        form = UpdateForm(data, update=conflict.current, indicators=indicators, submitting=submitting)
        form.is_valid()
        messages.error(
            request,
            _(
                "%(who)s saved this update while you were editing it. Nothing of yours was saved. "
                "Compare the two texts below; save again to replace theirs with yours."
            )
            % {"who": conflict.current.updated_by or _("Someone")},
        )
        if request.FILES:
            messages.warning(request, _("Files you chose must be chosen again."))
        context = _edit_context(request, conflict.current, form, conflict=conflict.current)
        return render(request, "tasks/updates/edit.html", context, status=409)
    except ValidationError as exc:
        form.add_error(None, exc)
        return render(request, "tasks/updates/edit.html", _edit_context(request, update, form), status=400)
    if submitting:
        messages.success(request, _("Submitted for review."))
        return redirect("tasks:update_detail", update.pk)
    messages.success(request, _("Draft saved."))
    return redirect("tasks:update_edit", update.pk)


# An update's page -------------------------------------------------------------------------------------------


@require_GET
def update_detail(request, update_id):
    update, can_edit = access.get_update_for_user(request.user, update_id)
    plan = update.task.work_task.section.plan
    period = Period(update.year, update.quarter)
    versions = list(update.versions.select_related("submitted_by").order_by("number"))
    live = reporting.snapshot(update)

    # "What changed since the previous version": a chosen version against the one before it; by default
    # the unsubmitted changes of a draft or returned update, else the latest version against the one before.
    shown = None
    requested = request.GET.get("version")
    if requested and requested.isdigit():
        shown = next((v for v in versions if v.number == int(requested)), None)
    version_diff = None
    if shown is not None:
        before = next((v for v in versions if v.number == shown.number - 1), None)
        if before is not None:
            version_diff = (before, shown, reporting.compare(reporting.version_snapshot(before), reporting.version_snapshot(shown)))
    elif versions and update.state in (Update.State.DRAFT, Update.State.RETURNED):
        version_diff = (versions[-1], None, reporting.compare(reporting.version_snapshot(versions[-1]), live))
    elif len(versions) >= 2:
        version_diff = (versions[-2], versions[-1], reporting.compare(reporting.version_snapshot(versions[-2]), reporting.version_snapshot(versions[-1])))

    previous = reporting.previous_quarter_update(update)
    quarter_diff = None
    if previous is not None and access.visible_updates(request.user).filter(pk=previous.pk).exists():
        previous_versions = list(previous.versions.all())
        if previous_versions:
            quarter_diff = (previous, reporting.compare(reporting.version_snapshot(previous_versions[-1]), live))

    is_reviewer = access.can_review(request.user)
    return render(
        request,
        "tasks/updates/detail.html",
        {
            "update": update,
            "task": update.task,
            "plan": plan,
            "period": period,
            "due": calendar.due_date(plan, period),
            "can_edit": can_edit,
            "can_review": is_reviewer and update.state == Update.State.SUBMITTED,
            "can_reopen": is_reviewer and update.state == Update.State.APPROVED,
            "versions": versions,
            "shown_version": shown,
            "version_diff": version_diff,
            "quarter_diff": quarter_diff,
            "milestones": update.claimed_milestones.order_by("year", "order"),
            "contributions": update.contributions.select_related("indicator").order_by("indicator__order"),
            "attachments": update.attachments.select_related("uploaded_by"),
            "events": update.events.select_related("actor"),
            "co_updates": reporting.co_unit_updates(request.user, update),
            "return_form": ReasonForm(initial={"revision": update.revision}),
            "reopen_form": ReasonForm(initial={"revision": update.revision}, prefix="reopen"),
        },
    )


# Review -------------------------------------------------------------------------------------------------------


def _review(request, update_id, action, form):
    """
    Run one review service on the update; None when it was done, else the
    redirect back to the update's page with the reason it was not.
    """
    update = access.get_update_for_review(request.user, update_id)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("tasks:update_detail", update.pk)
    try:
        action(update=update, reviewer=request.user, **form.cleaned_data)
    except services.UpdateConflict:
        messages.error(request, _("This update changed after you opened it. Nothing was done; please read it again."))
        return redirect("tasks:update_detail", update.pk)
    except ValidationError as exc:
        _error_messages(request, exc)
        return redirect("tasks:update_detail", update.pk)
    return None


@require_POST
def update_approve(request, update_id):
    refused = _review(request, update_id, services.update_approve, RevisionForm(request.POST))
    if refused:
        return refused
    messages.success(request, _("Approved."))
    return redirect(reverse("tasks:update_list") + "?state=submitted")


@require_POST
def update_return(request, update_id):
    refused = _review(request, update_id, services.update_return, ReasonForm(request.POST))
    if refused:
        return refused
    messages.success(request, _("Returned to the unit with your reason."))
    return redirect(reverse("tasks:update_list") + "?state=submitted")


@require_POST
def update_reopen(request, update_id):
    refused = _review(request, update_id, services.update_reopen, ReasonForm(request.POST, prefix="reopen"))
    if refused:
        return refused
    messages.success(request, _("Reopened: the update is back with its unit."))
    return redirect("tasks:update_detail", update_id)


# The list of updates (staff: the review queue) ------------------------------------------------------------


@require_GET
def update_list(request):
    user = request.user
    if user.is_commission or user.is_reporter:
        states = Update.State.choices
    else:
        states = [(Update.State.APPROVED.value, Update.State.APPROVED.label)]
    data = request.GET.copy()
    if user.is_commission and "state" not in data:
        data["state"] = Update.State.SUBMITTED  # staff land on the review queue
    plans = list(Plan.objects.order_by("-start_year"))
    units = list(Unit.objects.order_by("sort_order", "name"))
    form = UpdateFilterForm(data, plans=plans, units=units, states=states)
    if form.is_valid():
        filters = form.filters()
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        filters = {}
    page = Paginator(reporting.update_list(user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = data.copy()
    query.pop("page", None)
    return render(
        request,
        "tasks/updates/list.html",
        {
            "form": form,
            "page": page,
            "is_queue": filters.get("state") == Update.State.SUBMITTED and user.is_commission,
            "query": query.urlencode(),
        },
    )


# Attachments ---------------------------------------------------------------------------------------------------


@require_GET
def attachment_download(request, attachment_id):
    attachment = access.get_attachment_for_user(request.user, attachment_id)
    try:
        file = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(file, as_attachment=True, filename=attachment.name, content_type=attachment.content_type)
