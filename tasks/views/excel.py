"""
The Excel 任务进度表: export for staff, imports of new plans and of yearly
key-task lists for staff, and the quarterly-update template for units.
Reading and checking an upload is tasks.excel_import's; nothing from a file is
written until its uploader confirms the preview (excel_import.import_batch_apply).
"""

import io
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from units.models import Unit

from .. import excel, excel_import, selectors
from ..access import commission_required, reporter_required
from ..calendar import Period, in_plan, reporting_period, today
from ..excel_forms import KeyTasksImportForm, PeriodForm, PlanImportForm, UpdateImportForm
from ..filters import TaskFilter
from ..models import ImportBatch, Plan, SpecificTask

# Uploads -----------------------------------------------------------------------------------------------


class _SizeLimit(FileUploadHandler):
    """
    Stop storing an upload once it passes settings.EXCEL_MAX_BYTES, so a huge
    file is never written to disk; the view then says it was too large.
    """

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.EXCEL_MAX_BYTES:
            self.request.excel_too_large = True
            raise StopUpload(connection_reset=False)  # Django reads and drops the rest of the body
        return raw_data

    def file_complete(self, file_size):
        return None


def excel_upload(view):
    """
    Guard an upload view before anything reads the body: _SizeLimit keeps no
    more than the limit of any file, and a declared length over the limit is
    refused whatever arrives.
    The upload handler must be in place before CsrfViewMiddleware reads
    request.POST, so the middleware's checks move inside: csrf_exempt and
    login_not_required outside, then csrf_protect and login_required in the
    middleware's order (an anonymous POST without a token is still a CSRF 403).
    """
    protected = csrf_protect(login_required(view))

    @login_not_required
    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.excel_too_large = False
        if request.method == "POST":
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            # Allow for the form's other fields and the multipart boundaries.
            request.excel_too_large = declared > settings.EXCEL_MAX_BYTES + 64 * 1024
            request.upload_handlers.insert(0, _SizeLimit(request))
        return protected(request, *args, **kwargs)

    return wrapped


def _limits() -> dict:
    return {"mb": settings.EXCEL_MAX_BYTES // (1024 * 1024), "rows": excel_import.MAX_ROWS}


def _upload(request):
    """(file object, size, name) of the upload in field "file"."""
    upload = request.FILES["file"]
    return upload, upload.size, upload.name


def _xlsx_response(workbook, filename: str) -> FileResponse:
    # FileResponse writes the Chinese file name for browsers (RFC 6266 filename*) with an ASCII fallback.
    data = io.BytesIO(excel.workbook_bytes(workbook))
    return FileResponse(data, as_attachment=True, filename=filename, content_type=excel.XLSX_CONTENT_TYPE)


# The plan's Excel page ---------------------------------------------------------------------------------


@require_GET
def plan_excel(request, plan_id):
    """What a user may do with the plan's Excel table: staff export and import, units use the template."""
    if not (request.user.is_commission or request.user.is_reporter):
        raise PermissionDenied
    plan = get_object_or_404(Plan, pk=plan_id)
    current = reporting_period(plan)
    begun_only = request.user.is_reporter  # a unit reports only on quarters that have begun
    period_form = PeriodForm(initial={"period": current.label}, plan=plan, begun_only=begun_only)
    context = {"plan": plan, "period_form": period_form}
    if request.user.is_reporter:
        context["has_tasks"] = SpecificTask.objects.filter(
            work_task__section__plan=plan, responsibilities__unit=request.user.unit_id
        ).exists()
    if request.user.is_commission:
        # Bound to the plan so that the section and work-task choices are this plan's only.
        filters = TaskFilter({"plan": str(plan.pk)}, queryset=SpecificTask.objects.none())
        fields = [f for f in filters.form if f.name not in ("plan", "q")]
        for field in fields:
            # The task list applies a filter as soon as it is chosen; here the choices wait for the download button.
            field.field.widget.attrs.pop("data-autosubmit", None)
        context["filter_fields"] = fields
    return render(request, "tasks/excel/plan_excel.html", context)


# Export --------------------------------------------------------------------------------------------------


def _period(request, plan) -> Period | None:
    """?period=2022Q3, or the period units report on now; None (with a message) for a bad value."""
    label = request.GET.get("period", "").strip()
    if not label:
        return reporting_period(plan)
    try:
        period = Period.parse(label)
    except ValueError:
        messages.error(request, _("“%(value)s” is not a quarter. Use the form 2022Q3.") % {"value": label[:20]})
        return None
    if not in_plan(plan, period):
        messages.error(
            request,
            _("%(period)s is outside the plan's years %(start)s–%(end)s.")
            % {"period": period, "start": plan.start_year, "end": plan.end_year},
        )
        return None
    return period


def _selected_tasks(request, plan, period):
    """
    The plan's tasks that the task list's filters select, read from the same
    query string (tasks.filters.TaskFilter), so an export of a filtered list
    holds exactly the listed tasks. A status filter is evaluated as of the
    list's ?as_of=, or else the exported quarter's last day (today while that
    quarter runs), so the selection and the status column agree.
    """
    data = request.GET.copy()
    data["plan"] = str(plan.pk)
    as_of = min(period.end, today())
    if data.get("as_of"):
        try:
            as_of = min(Period.parse(data["as_of"]).end, today())
        except ValueError:
            pass  # an unreadable as_of is ignored, as on the task list
    filterset = TaskFilter(data, queryset=selectors.task_list(as_of))
    for error in filterset.error_messages():
        messages.warning(request, error)
    return SpecificTask.objects.filter(pk__in=filterset.qs.values("pk"))


@require_GET
@commission_required
def progress_export(request, plan_id):
    """The progress table of the plan's tasks that the task list's filters in the query string select."""
    plan = get_object_or_404(Plan, pk=plan_id)
    period = _period(request, plan)
    if period is None:
        return redirect("tasks:plan_excel", plan_id=plan.pk)
    filename = excel.xlsx_filename(plan.short_title or plan.title, "任务进度表", period.label)
    with excel.collector_paused():
        rows = excel.progress_table_rows(tasks=_selected_tasks(request, plan, period), period=period, user=request.user)
        workbook = excel.progress_table_workbook(plan=plan, rows=rows, period=period)
        return _xlsx_response(workbook, filename)


# Imports for staff ---------------------------------------------------------------------------------------


@excel_upload
@require_http_methods(["GET", "POST"])
@commission_required
def plan_import_upload(request):
    form = PlanImportForm(request.POST or None, request.FILES or None)
    upload_error = None
    if request.excel_too_large:
        form, upload_error = PlanImportForm(), excel_import.too_large_message()
    elif request.method == "POST" and form.is_valid():
        upload, size, name = _upload(request)
        data = form.cleaned_data
        try:
            batch = excel_import.import_batch_create_plan(
                fileobj=upload,
                size=size,
                filename=name,
                user=request.user,
                title=data["title"],
                start_year=data["start_year"],
                end_year=data["end_year"],
                meta=form.meta(),
            )
        except excel_import.ExcelRejected as rejected:
            form.add_error("file", rejected.message)
        else:
            return redirect("tasks:excel_batch", batch_id=batch.pk)
    context = {"form": form, "upload_error": upload_error, "limits": _limits()}
    return render(request, "tasks/excel/plan_import.html", context)


@excel_upload
@require_http_methods(["GET", "POST"])
@commission_required
def key_tasks_upload(request, plan_id):
    plan = get_object_or_404(Plan, pk=plan_id)
    initial = {"year": min(max(today().year, plan.start_year), plan.end_year)}
    form = KeyTasksImportForm(request.POST or None, request.FILES or None, plan=plan, initial=initial)
    upload_error = None
    if request.excel_too_large:
        form, upload_error = KeyTasksImportForm(plan=plan, initial=initial), excel_import.too_large_message()
    elif request.method == "POST" and form.is_valid():
        upload, size, name = _upload(request)
        try:
            batch = excel_import.import_batch_create_key_tasks(
                fileobj=upload, size=size, filename=name, user=request.user, plan=plan, year=form.cleaned_data["year"]
            )
        except excel_import.ExcelRejected as rejected:
            form.add_error("file", rejected.message)
        else:
            return redirect("tasks:excel_batch", batch_id=batch.pk)
    context = {"plan": plan, "form": form, "upload_error": upload_error, "limits": _limits()}
    return render(request, "tasks/excel/key_tasks_import.html", context)


# Preview, confirm, discard ---------------------------------------------------------------------------------


def _batch_for_user(user, batch_id) -> ImportBatch:
    """
    The user's own pending or past upload. Leadership gets 403; anyone else's
    batch (another staff member's, another unit's) is 404. A unit's batch also
    needs the uploader still to act for that unit.
    """
    if not (user.is_commission or user.is_reporter):
        raise PermissionDenied
    batch = ImportBatch.objects.select_related("plan", "unit").filter(pk=batch_id, created_by=user).first()
    if batch is None:
        raise Http404
    if batch.kind == ImportBatch.Kind.UPDATES:
        if not user.is_reporter or batch.unit_id != user.unit_id:
            raise Http404
    elif not user.is_commission:
        raise Http404
    return batch


@require_GET
def batch_preview(request, batch_id):
    batch = _batch_for_user(request.user, batch_id)
    payload = batch.payload
    context = {
        "batch": batch,
        "rows": payload.get("rows", []),
        "file_errors": [e["message"] for e in batch.errors if e.get("row") is None],
        "error_rows": len({e["row"] for e in batch.errors if e.get("row") is not None}),
        "unknown_units": payload.get("unknown_units", []),
        "units": Unit.objects.filter(is_active=True).order_by("sort_order", "name"),
        "pending": batch.status == ImportBatch.Status.PENDING,
    }
    if batch.kind == ImportBatch.Kind.PLAN:
        sections = payload.get("sections", [])
        context["plan_meta"] = payload.get("plan", {})
        context["counts"] = {
            "sections": len(sections),
            "work_tasks": sum(len(s["work_tasks"]) for s in sections),
            "tasks": len(payload.get("rows", [])),
            "milestones": sum(len(r["milestones"]) for r in payload.get("rows", [])),
        }
    return render(request, "tasks/excel/preview.html", context)


@require_POST
def batch_confirm(request, batch_id):
    batch = _batch_for_user(request.user, batch_id)
    unknown = batch.payload.get("unknown_units", [])
    unit_map = {name: request.POST.get(f"unit_{i}", "").strip() for i, name in enumerate(unknown)}
    try:
        result = excel_import.import_batch_apply(batch=batch, user=request.user, unit_map=unit_map)
    except excel_import.ImportRefused as refused:
        messages.error(request, refused.message)
        return redirect("tasks:excel_batch", batch_id=batch.pk)
    summary = result.summary
    if batch.kind == ImportBatch.Kind.PLAN:
        messages.success(
            request,
            _("The plan was created with %(tasks)s specific tasks and %(milestones)s yearly milestones.") % summary,
        )
    elif batch.kind == ImportBatch.Kind.KEY_TASKS:
        messages.success(
            request,
            _("Added %(milestones)s yearly milestones and %(responsibilities)s unit assignments.") % summary,
        )
    if summary.get("units_created"):
        messages.info(request, _("New units: %(names)s.") % {"names": "、".join(summary["units_created"])})
    if batch.kind == ImportBatch.Kind.UPDATES:
        messages.success(request, _("%(n)s drafts were saved. Check them and submit each one.") % summary)
        return redirect("tasks:unit_home")
    return redirect("tasks:plan_detail", plan_id=result.plan.pk)


@require_POST
def batch_discard(request, batch_id):
    batch = _batch_for_user(request.user, batch_id)
    excel_import.import_batch_discard(batch=batch, user=request.user)
    messages.info(request, _("The upload was discarded; nothing was imported."))
    if batch.plan_id:
        return redirect("tasks:plan_excel", plan_id=batch.plan_id)
    return redirect("home")


# The quarterly-update template for units ---------------------------------------------------------------------


@require_GET
@reporter_required
def update_template(request, plan_id):
    """The unit's tasks in the plan for the quarter, pre-filled with what the system holds, to fill in offline."""
    plan = get_object_or_404(Plan, pk=plan_id)
    data = {"period": request.GET.get("period") or reporting_period(plan).label}
    form = PeriodForm(data, plan=plan, begun_only=True)
    if not form.is_valid():
        messages.error(request, _("Choose a quarter of the plan that has begun."))
        return redirect("tasks:plan_excel", plan_id=plan.pk)
    period, unit = form.cleaned_data["period"], request.user.unit
    rows, indicators = excel.update_template_rows(plan=plan, unit=unit, period=period)
    if not rows:
        messages.info(request, _("Your unit has no tasks in this plan."))
        return redirect("tasks:plan_excel", plan_id=plan.pk)
    workbook = excel.update_template_workbook(plan=plan, unit=unit, period=period, rows=rows, indicators=indicators)
    filename = excel.xlsx_filename(unit.name, plan.short_title or plan.title, period.label, "季度进展")
    return _xlsx_response(workbook, filename)


@excel_upload
@require_http_methods(["GET", "POST"])
@reporter_required
def updates_upload(request, plan_id):
    plan = get_object_or_404(Plan, pk=plan_id)
    initial = {"period": request.GET.get("period") or reporting_period(plan).label}
    form = UpdateImportForm(request.POST or None, request.FILES or None, plan=plan, initial=initial)
    upload_error = None
    if request.excel_too_large:
        form, upload_error = UpdateImportForm(plan=plan, initial=initial), excel_import.too_large_message()
    elif request.method == "POST" and form.is_valid():
        upload, size, name = _upload(request)
        try:
            batch = excel_import.import_batch_create_updates(
                fileobj=upload,
                size=size,
                filename=name,
                user=request.user,
                plan=plan,
                period=form.cleaned_data["period"],
            )
        except excel_import.ExcelRejected as rejected:
            form.add_error("file", rejected.message)
        else:
            return redirect("tasks:excel_batch", batch_id=batch.pk)
    context = {"plan": plan, "form": form, "upload_error": upload_error, "limits": _limits()}
    return render(request, "tasks/excel/updates_import.html", context)
