"""
Writes to plans and their outline, and the quarterly loop's writes to updates
and their attachments. Each is a keyword-only function named
<thing>_<verb> that validates, runs in one transaction and records who did it
(django-simple-history takes the acting user from the request, or from
_history_user where there is no request, as in management commands).
"""

import secrets
import zipfile
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

import filetype
from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connections, transaction
from django.db.models import CharField, DateTimeField, IntegerField, QuerySet, Value
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import get_history_manager_for_model

from indicators.models import Contribution, Indicator, IndicatorTarget
from units.models import Unit, User

from . import calendar, reporting
from .calendar import Period
from .models import (
    Attachment,
    Milestone,
    Plan,
    ReminderLog,
    Responsibility,
    Section,
    SpecificTask,
    Update,
    UpdateEvent,
    UpdateVersion,
    WorkTask,
)


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
    `user` is the history records' user (None from management commands).

    The rows are built in memory and written one level at a time (units, plan,
    sections, work tasks, tasks, their units and milestones, indicators), so a
    plan of 4,900 tasks takes the same two dozen queries as one of twenty, and
    every row still gets the "created" history record the task page shows.
    """
    meta = data["plan"]
    existing = Plan.objects.filter(title=meta["title"]).first()
    if existing is not None:
        return PlanImportResult(plan=existing, created=False, units_created=[])

    units, units_created = _import_units(data, user)
    plan = Plan(
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
    plan._history_user = user
    # Saved, not bulk-created: its post_save writes its history record and, in tasks.rollup_cache, changes
    # the roll-ups' token once for the whole import; the bulk inserts below send no signals.
    plan.save()
    tasks = _import_outline(plan, data["sections"], units, user)
    _import_indicators(plan, data.get("indicators", []), {task.code: task for task in tasks}, user)
    return PlanImportResult(plan=plan, created=True, units_created=units_created)


def _import_units(data: dict, user) -> tuple[dict[str, Unit], list[str]]:
    """
    Every unit the plan names, by name: the existing ones found in one query,
    the others created together, with the kind data["units"] gives and their
    place among the names as sort order. Returns the units and the names created.
    """
    kinds = {u["name"]: u.get("kind", Unit.Kind.DEPARTMENT) for u in data.get("units", [])}
    named = [name for s in data["sections"] for w in s["work_tasks"] for i in w["items"] for name in i["units"]]
    names = list(dict.fromkeys(list(kinds) + named))
    units = {u.name: u for u in Unit.objects.filter(name__in=names)}
    new = [
        Unit(name=name, kind=kinds.get(name, Unit.Kind.DEPARTMENT), sort_order=order)
        for order, name in enumerate(names)
        if name not in units
    ]
    if new:
        Unit.objects.bulk_create(new)
        _record_created(Unit.objects.filter(pk__in=[unit.pk for unit in new]), user)
        units.update((unit.name, unit) for unit in new)
    return units, [unit.name for unit in new]


def _import_outline(plan: Plan, sections: list[dict], units: dict[str, Unit], user) -> list[SpecificTask]:
    """Sections, work tasks, specific tasks, their units (lead first) and milestones; returns the tasks."""
    rows = {Section: [], WorkTask: [], SpecificTask: [], Responsibility: [], Milestone: []}
    for s_order, s in enumerate(sections):
        section = Section(
            plan=plan,
            number=s.get("number", ""),
            title=s["title"],
            kind=s.get("kind", Section.Kind.CHAPTER),
            description=s.get("description", ""),
            order=s_order,
        )
        rows[Section].append(section)
        for w in s["work_tasks"]:
            work_task = WorkTask(section=section, seq=w["seq"], number=w.get("number", ""), title=w["title"])
            rows[WorkTask].append(work_task)
            for t_order, item in enumerate(w["items"]):
                # Built with its work task in place, so task.code (seq-number) reads it from memory, not the database.
                task = SpecificTask(
                    work_task=work_task,
                    number=item.get("number", ""),
                    order=t_order,
                    text=item["text"],
                    body_text=item.get("body_text", ""),
                    deadline=_date(item.get("deadline")),
                    continues_after_deadline=item.get("continues_after_deadline", False),
                )
                rows[SpecificTask].append(task)
                rows[Responsibility] += [
                    Responsibility(
                        task=task,
                        unit=units[name],
                        role=Responsibility.Role.LEAD if u_order == 0 else Responsibility.Role.CO,
                        order=u_order,
                    )
                    for u_order, name in enumerate(item["units"])
                ]
                rows[Milestone] += [
                    Milestone(task=task, year=m["year"], due_date=_date(m["due_date"]), text=m["text"], order=m_order)
                    for m_order, m in enumerate(item.get("milestones", []))
                ]
    # Parents first: bulk_create puts each parent's new key into its children's foreign keys as it inserts them.
    for model, objs in rows.items():
        model.objects.bulk_create(objs)
    _record_created(Section.objects.filter(plan=plan), user)
    _record_created(WorkTask.objects.filter(section__plan=plan), user)
    _record_created(SpecificTask.objects.filter(work_task__section__plan=plan), user)
    _record_created(Responsibility.objects.filter(task__work_task__section__plan=plan), user)
    _record_created(Milestone.objects.filter(task__work_task__section__plan=plan), user)
    return rows[SpecificTask]


def _import_indicators(plan: Plan, indicators: list[dict], tasks_by_code: dict[str, SpecificTask], user) -> None:
    """The plan's indicators, their yearly targets and the tasks that feed each."""
    if not indicators:
        return
    objs, targets, fed_by = [], [], []
    for i_order, ind in enumerate(indicators):
        indicator = Indicator(
            plan=plan,
            name=ind["name"],
            measure=ind["measure"],
            mode=ind.get("mode", Indicator.Mode.CUMULATIVE),
            source_text=ind.get("source_text", ""),
            order=i_order,
        )
        objs.append(indicator)
        targets += [
            IndicatorTarget(
                indicator=indicator,
                year=t["year"],
                value=Decimal(str(t["value"])),
                source_text=t.get("source_text", ""),
            )
            for t in ind["targets"]
        ]
        fed_by.append([tasks_by_code[code] for code in dict.fromkeys(ind.get("tasks", []))])
    Indicator.objects.bulk_create(objs)
    IndicatorTarget.objects.bulk_create(targets)
    _record_created(IndicatorTarget.objects.filter(indicator__plan=plan), user)
    Link = Indicator.tasks.through
    links = Link.objects.bulk_create(
        Link(indicator=indicator, specifictask=task) for indicator, tasks in zip(objs, fed_by) for task in tasks
    )
    # An indicator's history also keeps the tasks that fed it (HistoricalRecords(m2m_fields=[tasks])): its
    # "created" record lists them, so these few records are built here, where their keys are at hand.
    records = get_history_manager_for_model(Indicator).bulk_history_create(objs, default_user=user)
    if records:  # None when SIMPLE_HISTORY_ENABLED is off
        LinkRecord = apps.get_model("indicators", "HistoricalIndicator_tasks")
        record_of = {record.id: record for record in records}
        LinkRecord.objects.bulk_create(
            LinkRecord(
                history=record_of[link.indicator_id],
                id=link.pk,
                indicator_id=link.indicator_id,
                specifictask_id=link.specifictask_id,
            )
            for link in links
        )


def _record_created(rows: QuerySet, user) -> None:
    """
    Write the "created" history record (django-simple-history, whose post_save
    does not run for bulk_create) of every row in `rows` with one INSERT …
    SELECT: the database copies the rows as stored into the historical
    model's columns. bulk_create_with_history builds and sends one historical
    instance per row instead, two thirds of a 4,900-task import's time.
    """
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history = get_history_manager_for_model(rows.model).model
    stamp = {
        "history_date": Value(timezone.now(), output_field=DateTimeField()),
        "history_type": Value("+", output_field=CharField()),
        "history_user": Value(getattr(user, "pk", None), output_field=IntegerField()),
    }
    copied = [field.attname for field in history.tracked_fields]
    select = rows.order_by("pk").annotate(**{f"stamp_{name}": value for name, value in stamp.items()})
    sql, params = select.values_list(*copied, *[f"stamp_{name}" for name in stamp]).query.sql_with_params()
    columns = [history._meta.get_field(name).column for name in [*copied, *stamp]]
    connection = connections[rows.db]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {connection.ops.quote_name(history._meta.db_table)} ({quoted}) {sql}", params)


# Quarterly updates ---------------------------------------------------------------------------------------
#
# The life of an update: update_start makes a draft; update_save_draft changes
# it (no completeness check); update_submit freezes an UpdateVersion and puts
# it in the review queue; staff update_approve it or update_return it with a
# reason, after which the unit revises and submits again; an approved update is
# locked until staff update_reopen it with a reason. Each step records an
# UpdateEvent (who, when, why) and bumps Update.revision.
#
# Every write takes the row lock and, where a form was loaded earlier, the
# revision the form showed: a stale revision raises UpdateConflict and writes
# nothing, so a second editor can never overwrite the first one's text unseen.
# None of these needs a request: the Excel import of drafts calls
# update_start and update_save_draft directly (event=UpdateEvent.Action.IMPORTED).

TEXT_MAX_LENGTH = 5000
DESCRIPTION_MAX_LENGTH = 300
CONTRIBUTION_MAX = Decimal("999999999999.99")  # Contribution.value: 14 digits, 2 after the point

# Allowed attachment extensions → what the file's content must be recognised as by `filetype`. The OLE
# formats (.doc/.xls/.ppt, also what WPS saves) share one container, and filetype's guess inside it is a
# heuristic, so any of the three is accepted for each of them. Names are never trusted on their own.
_OLE = {"doc", "xls", "ppt"}
ATTACHMENT_TYPES = {
    "pdf": {"pdf"},
    "doc": _OLE,
    "xls": _OLE,
    "ppt": _OLE,
    "docx": {"docx"},
    "xlsx": {"xlsx"},
    "pptx": {"pptx"},
    "odt": {"odt"},
    "ods": {"ods"},
    "odp": {"odp"},
    "jpg": {"jpg"},
    "jpeg": {"jpg"},
    "png": {"png"},
    "gif": {"gif"},
    "bmp": {"bmp"},
}
_OOXML_FOLDER = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UpdateConflict(Exception):
    """The update changed since the form was loaded. Nothing was written; current is the update as saved now."""

    def __init__(self, current: Update):
        self.current = current
        super().__init__(f"update {current.pk} is at revision {current.revision}")


def _locked(update: Update, revision: int | None) -> Update:
    """The update re-read under a row lock; UpdateConflict when the caller's revision is stale."""
    current = Update.objects.select_for_update().select_related("task__work_task__section__plan", "unit").get(pk=update.pk)
    if revision is not None and int(revision) != current.revision:
        raise UpdateConflict(current)
    return current


def _save(update: Update, user, action: str, note: str = "") -> Update:
    update.revision += 1
    update._history_user = user  # simple-history's actor when no request is around (imports, commands)
    update.save()
    UpdateEvent.objects.create(update=update, action=action, actor=user, note=note)
    return update


def _check_unit_may_edit(update: Update) -> None:
    if update.state == Update.State.APPROVED:
        raise ValidationError(_("This update has been approved and is locked. Ask the commission to reopen it."))
    if update.state == Update.State.SUBMITTED:
        raise ValidationError(_("This update has been submitted and is waiting for review; it cannot be changed now."))


def _check_reviewer(reviewer) -> None:
    if not reviewer.is_commission:
        raise PermissionDenied


@transaction.atomic
def update_start(*, task: SpecificTask, unit: Unit, period: Period, user, copy_previous: bool = False) -> Update:
    """
    The unit's draft for task and period; the existing update if there is one
    already (then copy_previous does nothing). copy_previous starts the texts and
    self-assessment from the unit's update of the quarter before; contributions
    and milestone claims are not copied, since they count what happened in one quarter.
    """
    plan = task.work_task.section.plan
    if not calendar.in_plan(plan, period):
        raise ValidationError(
            _("%(period)s is outside the plan's years (%(start)s–%(end)s).")
            % {"period": period, "start": plan.start_year, "end": plan.end_year}
        )
    if period.start > calendar.today():
        raise ValidationError(_("%(period)s has not begun yet; its progress cannot be reported.") % {"period": period})
    if not Responsibility.objects.filter(task=task, unit=unit).exists():
        raise ValidationError(_("%(unit)s is not responsible for this task.") % {"unit": unit})
    key = {"task": task, "unit": unit, "year": period.year, "quarter": period.quarter}
    existing = Update.objects.filter(**key).first()
    if existing is not None:
        return existing
    update = Update(**key, state=Update.State.DRAFT, created_by=user, updated_by=user)
    note = ""
    if copy_previous:
        previous = period.previous()
        source = Update.objects.filter(
            task=task, unit=unit, year=previous.year, quarter=previous.quarter
        ).first()
        if source is not None:
            for name in ("progress", "problems", "next_steps", "self_status"):
                setattr(update, name, getattr(source, name))
            note = _("Started from %(period)s's text.") % {"period": previous}
    update._history_user = user
    try:
        with transaction.atomic():  # a double click races to create the same update: the loser reads the winner's
            update.save()
    except IntegrityError:
        return Update.objects.get(**key)
    UpdateEvent.objects.create(update=update, action=UpdateEvent.Action.CREATED, actor=user, note=note)
    return update


def _parse_value(raw) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": raw}) from None
    if not value.is_finite():
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": raw})
    if value < 0:
        raise ValidationError(_("A contribution cannot be negative."))
    if value > CONTRIBUTION_MAX:
        raise ValidationError(_("A contribution of %(value)s is too large.") % {"value": raw})
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(_("A contribution may have at most two decimal places."))
    return value


def _clean_update_data(update: Update, data: dict) -> dict:
    """Check data against the update's task; returns it normalised. Raises ValidationError with every problem."""
    errors = []
    cleaned = {}
    for name in ("progress", "problems", "next_steps"):
        if name in data:
            text = (data[name] or "").strip()
            if len(text) > TEXT_MAX_LENGTH:
                errors.append(_("A text may have at most %(n)s characters.") % {"n": TEXT_MAX_LENGTH})
            cleaned[name] = text
    if "self_status" in data:
        status = data["self_status"] or ""
        if status and status not in Update.SelfStatus.values:
            errors.append(_("“%(value)s” is not a status one can choose.") % {"value": status})
        cleaned["self_status"] = status
    if "milestones" in data:
        ids = {getattr(m, "pk", m) for m in data["milestones"] or []}
        milestones = list(Milestone.objects.filter(task=update.task_id, pk__in=ids))
        if len(milestones) != len(ids):
            errors.append(_("A milestone claimed as met is not one of this task's milestones."))
        cleaned["milestones"] = milestones
    if "contributions" in data:
        indicators = {i.pk: i for i in Indicator.objects.filter(tasks=update.task_id)}
        cleaned["contributions"] = []
        for item in data["contributions"] or []:
            indicator_id = getattr(item["indicator"], "pk", item["indicator"])
            if indicator_id not in indicators:
                errors.append(_("This task does not feed the indicator a contribution was given for."))
                continue
            name = indicators[indicator_id].name
            description = (item.get("description") or "").strip()
            try:
                value = _parse_value(item.get("value"))
            except ValidationError as exc:
                errors.extend(f"{name}：{m}" for m in exc.messages)
                continue
            if len(description) > DESCRIPTION_MAX_LENGTH:
                errors.append(
                    _("%(name)s: the description may have at most %(n)s characters.")
                    % {"name": name, "n": DESCRIPTION_MAX_LENGTH}
                )
            if value is None and description:
                errors.append(_("%(name)s: a description was given but no value.") % {"name": name})
            cleaned["contributions"].append({"indicator": indicators[indicator_id], "value": value, "description": description})
    if errors:
        raise ValidationError(errors)
    return cleaned


def submission_errors(*, progress: str, problems: str, next_steps: str, self_status: str, contributions) -> dict:
    """
    {field: message} for what a submitted update must have. contributions is
    [(indicator_id, value, description)]. The update form shows these next to
    its fields; update_submit applies the same rule to what is stored.
    """
    errors = {}
    required = {
        "progress": _("Please describe the progress made this quarter."),
        "problems": _("Please describe the problems met, or write “无” if there were none."),
        "next_steps": _("Please describe the next steps."),
    }
    texts = {"progress": progress, "problems": problems, "next_steps": next_steps}
    for name, message in required.items():
        if not (texts[name] or "").strip():
            errors[name] = message
    if not self_status:
        errors["self_status"] = _("Please choose how the task stands.")
    for indicator_id, value, description in contributions:
        if value and not (description or "").strip():
            errors[f"contribution_{indicator_id}_description"] = _("Please say briefly what was counted.")
    return errors


def update_save_draft(
    *,
    update: Update,
    user,
    data: dict,
    revision: int | None,
    add_files=(),
    remove_attachments=(),
    event: str = UpdateEvent.Action.SAVED,
    note: str = "",
) -> Update:
    """
    Save the unit's changes without checking completeness. data may hold
    progress, problems, next_steps, self_status, milestones (Milestones or ids:
    the claimed set becomes exactly these) and contributions ([{indicator,
    value, description}]: a None value with no description removes that
    indicator's contribution); keys left out stay as they are. Files are added
    and attachments removed in the same transaction.
    """
    with _files_kept_only_on_success(), transaction.atomic():
        return _save_draft(update, user, data, revision, add_files, remove_attachments, event, note)


def _save_draft(update, user, data, revision, add_files, remove_attachments, event, note) -> Update:
    update = _locked(update, revision)
    _check_unit_may_edit(update)
    cleaned = _clean_update_data(update, data)
    for name in ("progress", "problems", "next_steps", "self_status"):
        if name in cleaned:
            setattr(update, name, cleaned[name])
    update.updated_by = user
    _save(update, user, event, note)
    if "milestones" in cleaned:
        update.claimed_milestones.set(cleaned["milestones"])
    for item in cleaned.get("contributions", []):
        if item["value"] is None:
            Contribution.objects.filter(update=update, indicator=item["indicator"]).delete()
        else:
            Contribution.objects.update_or_create(
                update=update,
                indicator=item["indicator"],
                defaults={"value": item["value"], "description": item["description"]},
            )
    for attachment in remove_attachments:
        _attachment_remove(update, attachment, user)
    for file in add_files:
        _attachment_add(update, file, user)
    return update


@transaction.atomic
def update_submit(*, update: Update, user, revision: int | None = None) -> Update:
    """Submit for review what is stored: checks completeness, freezes an UpdateVersion, joins the review queue."""
    update = _locked(update, revision)
    _check_unit_may_edit(update)
    contributions = list(update.contributions.select_related("indicator").order_by("indicator__order"))
    errors = submission_errors(
        progress=update.progress,
        problems=update.problems,
        next_steps=update.next_steps,
        self_status=update.self_status,
        contributions=[(c.indicator_id, c.value, c.description) for c in contributions],
    )
    if errors:
        raise ValidationError(list(dict.fromkeys(errors.values())))
    now = timezone.now()
    number = update.versions.count() + 1
    UpdateVersion.objects.create(
        update=update,
        number=number,
        progress=update.progress,
        problems=update.problems,
        next_steps=update.next_steps,
        self_status=update.self_status,
        milestones=[
            {"id": m.pk, "year": m.year, "text": m.text} for m in update.claimed_milestones.order_by("year", "order")
        ],
        contributions=[
            {"indicator": c.indicator_id, "name": c.indicator.name, "value": str(c.value), "description": c.description}
            for c in contributions
        ],
        submitted_by=user,
        submitted_at=now,
    )
    update.state = Update.State.SUBMITTED
    update.submitted_at = update.submitted_at or now
    update.last_submitted_at = now
    update.updated_by = user
    return _save(update, user, UpdateEvent.Action.SUBMITTED, _("Version %(n)s") % {"n": number})


def update_save_and_submit(
    *, update: Update, user, data: dict, revision: int | None, add_files=(), remove_attachments=()
) -> Update:
    """What the form's submit button does: save the form's contents and submit them, all or nothing."""
    with _files_kept_only_on_success(), transaction.atomic():
        update = update_save_draft(
            update=update, user=user, data=data, revision=revision, add_files=add_files, remove_attachments=remove_attachments
        )
        return update_submit(update=update, user=user)


@transaction.atomic
def update_approve(*, update: Update, reviewer, revision: int | None = None) -> Update:
    """Approve a submitted update: it is locked and now counts on the dashboards."""
    _check_reviewer(reviewer)
    update = _locked(update, revision)
    if update.state != Update.State.SUBMITTED:
        raise ValidationError(_("Only a submitted update can be approved; this one is “%(state)s”.") % {"state": update.get_state_display()})
    update.state = Update.State.APPROVED
    update.reviewed_at = timezone.now()
    update.reviewed_by = reviewer
    return _save(update, reviewer, UpdateEvent.Action.APPROVED)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give the reason, so the unit knows what to revise."))
    if len(reason) > TEXT_MAX_LENGTH:
        raise ValidationError(_("A text may have at most %(n)s characters.") % {"n": TEXT_MAX_LENGTH})
    return reason


@transaction.atomic
def update_return(*, update: Update, reviewer, reason: str, revision: int | None = None) -> Update:
    """Return a submitted update to its unit for revision, with the reason it must address."""
    _check_reviewer(reviewer)
    reason = _reason(reason)
    update = _locked(update, revision)
    if update.state != Update.State.SUBMITTED:
        raise ValidationError(_("Only a submitted update can be returned; this one is “%(state)s”.") % {"state": update.get_state_display()})
    update.state = Update.State.RETURNED
    update.return_reason = reason
    update.reviewed_at = timezone.now()
    update.reviewed_by = reviewer
    return _save(update, reviewer, UpdateEvent.Action.RETURNED, reason)


@transaction.atomic
def update_reopen(*, update: Update, reviewer, reason: str, revision: int | None = None) -> Update:
    """
    Unlock an approved update: it goes back to its unit as returned, with the
    reason, and stops counting until it is approved again.
    """
    _check_reviewer(reviewer)
    reason = _reason(reason)
    update = _locked(update, revision)
    if update.state != Update.State.APPROVED:
        raise ValidationError(_("Only an approved update can be reopened; this one is “%(state)s”.") % {"state": update.get_state_display()})
    update.state = Update.State.RETURNED
    update.return_reason = reason
    update.reviewed_at = timezone.now()
    update.reviewed_by = reviewer
    return _save(update, reviewer, UpdateEvent.Action.REOPENED, reason)


# Attachments ---------------------------------------------------------------------------------------------


def attachment_check(file) -> str:
    """
    The content type of an uploaded evidence file; ValidationError unless its
    extension is allowed, its content is what the extension says, and it is
    within settings.ATTACHMENT_MAX_BYTES.
    """
    name = PurePath(file.name or "").name
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ATTACHMENT_TYPES:
        raise ValidationError(
            _("“%(name)s” is not an allowed type. Attach PDF, Word, Excel, PowerPoint or image files (%(types)s).")
            % {"name": name, "types": "、".join(ATTACHMENT_TYPES)}
        )
    if file.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        )
    if file.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name})
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    kind = filetype.guess(head)
    detected = kind.extension if kind else None
    expected = ATTACHMENT_TYPES[extension]
    if detected in expected:
        return kind.mime
    if expected is _OLE and head.startswith(_OLE_SIGNATURE):
        return {"doc": "application/msword", "xls": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint"}[extension]
    if extension in _OOXML_FOLDER and detected in ("zip", "docx", "xlsx", "pptx", None) and _ooxml_matches(file, extension):
        # filetype looks only at the first few zip entries; some writers put the document's folder later.
        return filetype.get_type(ext=extension).mime
    raise ValidationError(
        _("The content of “%(name)s” is not a .%(ext)s file. Please attach the original document.")
        % {"name": name, "ext": extension}
    )


def _ooxml_matches(file, extension: str) -> bool:
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        file.seek(0)
    return "[Content_Types].xml" in names and any(n.startswith(_OOXML_FOLDER[extension]) for n in names)


# Files written to storage by an upload whose transaction then fails must not stay behind. Django has no
# on_rollback hook, so each service that may store files runs inside _files_kept_only_on_success: files
# stored within it are deleted if it raises. Nested uses hand their files to the outermost one.
_stored_files: ContextVar[list | None] = ContextVar("stored_files", default=None)


@contextmanager
def _files_kept_only_on_success():
    outer = _stored_files.get()
    stored = []
    token = _stored_files.set(stored)
    try:
        yield
    except BaseException:
        for storage, name in stored:
            storage.delete(name)
        raise
    finally:
        _stored_files.reset(token)
    if outer is not None:
        outer.extend(stored)


def _attachment_add(update: Update, file, user) -> Attachment:
    content_type = attachment_check(file)
    name = PurePath(file.name).name[-200:]
    attachment = Attachment(
        update=update, token=secrets.token_hex(16), name=name, content_type=content_type, size=file.size, uploaded_by=user
    )
    attachment.file.save(attachment.token, file, save=False)
    stored = _stored_files.get()
    if stored is not None:
        stored.append((attachment.file.storage, attachment.file.name))
    attachment.save()
    UpdateEvent.objects.create(update=update, action=UpdateEvent.Action.ATTACHED, actor=user, note=name)
    return attachment


def _attachment_remove(update: Update, attachment: Attachment, user) -> None:
    if attachment.update_id != update.pk:
        raise ValidationError(_("That attachment belongs to another update."))
    name, storage, path = attachment.name, attachment.file.storage, attachment.file.name
    attachment.delete()
    # The file goes only once the removal is committed, so a rolled-back save keeps it.
    transaction.on_commit(lambda: storage.delete(path))
    UpdateEvent.objects.create(update=update, action=UpdateEvent.Action.DETACHED, actor=user, note=name)


def attachment_add(*, update: Update, user, file, revision: int | None = None) -> Attachment:
    """Attach one evidence file to an update its unit may still change."""
    with _files_kept_only_on_success(), transaction.atomic():
        update = _locked(update, revision)
        _check_unit_may_edit(update)
        attachment = _attachment_add(update, file, user)
        update.updated_by = user
        update.revision += 1
        update._history_user = user
        update.save()
        return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, user, revision: int | None = None) -> None:
    """Remove an evidence file from an update its unit may still change; the history keeps its name."""
    update = _locked(attachment.update, revision)
    _check_unit_may_edit(update)
    _attachment_remove(update, attachment, user)
    update.updated_by = user
    update.revision += 1
    update._history_user = user
    update.save()


# Reminders -----------------------------------------------------------------------------------------------


@dataclass
class ReminderResult:
    emails_sent: int = 0
    reports: int = 0
    already_sent: int = 0
    units_without_address: list = field(default_factory=list)
    units_failed: list = field(default_factory=list)


def reminders_send(*, on: date, days: int, dry_run: bool = False) -> ReminderResult:
    """
    One email to each unit's reporters listing its to-dos (tasks.reporting.unit_todos)
    not yet reminded of on `on`. Each report reminded of gets a ReminderLog row
    for the day, written in the same transaction as the sending: a second run the
    same day, even a concurrent one, finds the rows and sends nothing twice; a
    failed send rolls them back, so the next run tries again.
    """
    result = ReminderResult()
    units = {u.pk: u for u in Unit.objects.filter(is_active=True)}
    todos = reporting.unit_todos(list(units), on, days)
    sent_today = set(
        ReminderLog.objects.filter(sent_on=on).values_list("unit_id", "task_id", "year", "quarter")
    )
    addresses = {}
    for user in User.objects.filter(role=User.Role.REPORTER, is_active=True, unit__in=list(todos)).exclude(email=""):
        addresses.setdefault(user.unit_id, []).append(user.email)

    for unit_id, items in todos.items():
        unit = units[unit_id]
        due = [t for t in items if (unit_id, t.task.pk, t.period.year, t.period.quarter) not in sent_today]
        result.already_sent += len(items) - len(due)
        if not due:
            continue
        recipients = sorted(set(addresses.get(unit_id) or ([unit.email] if unit.email else [])))
        if not recipients:
            result.units_without_address.append(unit)
            continue
        if dry_run:
            result.emails_sent += 1
            result.reports += len(due)
            continue
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "unit": unit,
                "todos": due,
                "on": on,
                "site_url": settings.SITE_URL.rstrip("/"),
                "unit_home_path": reverse("tasks:unit_home"),
                "counts": {kind: sum(1 for t in due if t.kind == kind) for kind in reporting.TodoKind.values},
            }
            subject = " ".join(render_to_string("emails/reminder_subject.txt", context).split())
            body = render_to_string("emails/reminder.txt", context)
        try:
            with transaction.atomic():
                ReminderLog.objects.bulk_create(
                    ReminderLog(
                        unit=unit,
                        task=t.task,
                        year=t.period.year,
                        quarter=t.period.quarter,
                        kind=t.kind,
                        sent_on=on,
                        recipients=", ".join(recipients),
                    )
                    for t in due
                )
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        except IntegrityError:
            # Another run reminded this unit today between our read and our write: that run's email stands.
            result.already_sent += len(due)
            continue
        except Exception:  # noqa: BLE001 - one unit's mail server error must not stop the others' reminders
            result.units_failed.append(unit)
            continue
        result.emails_sent += 1
        result.reports += len(due)
    return result


# Yearly key-task lists (tasks.excel_import) --------------------------------------------------------------


@dataclass
class KeyTasksResult:
    milestones_added: int
    responsibilities_added: int
    units_created: list[str]


@transaction.atomic
def plan_key_tasks_add(*, plan: Plan, items: list[dict], user) -> KeyTasksResult:
    """
    Add a year's key-task list (年度重点任务清单) to an existing plan. Each item
    names one of the plan's tasks (task_id) with milestones ({year, due_date,
    text}) and unit names, lead first. Nothing already there changes: a
    milestone with the same year and text is skipped; units already on the task
    keep their places and new ones follow as co-responsible, except on a task
    with no units yet, where the first listed leads. Units that do not exist are
    created under the name given. A task outside the plan, a milestone outside
    its years, or a lead other than the task's raises ValidationError and
    nothing is written.
    """
    tasks = {
        t.pk: t
        for t in SpecificTask.objects.filter(work_task__section__plan=plan, pk__in=[i["task_id"] for i in items])
        .select_for_update()
        .prefetch_related("milestones", "responsibilities__unit")
    }
    units = {u.name: u for u in Unit.objects.all()}
    next_sort = max((u.sort_order for u in units.values()), default=-1) + 1
    result = KeyTasksResult(milestones_added=0, responsibilities_added=0, units_created=[])
    for item in items:
        task = tasks.get(item["task_id"])
        if task is None:
            raise ValidationError(_("A task in the list is not part of this plan."))
        milestones = list(task.milestones.all())
        have = {(m.year, m.text) for m in milestones}
        order = max((m.order for m in milestones), default=-1) + 1
        for m in item["milestones"]:
            if (m["year"], m["text"]) in have:
                continue
            if m["year"] not in plan.years:
                raise ValidationError(
                    _("The milestone for %(year)s is outside the plan's years.") % {"year": m["year"]}
                )
            milestone = Milestone(task=task, year=m["year"], due_date=_date(m["due_date"]), text=m["text"], order=order)
            milestone._history_user = user
            milestone.save()
            have.add((m["year"], m["text"]))
            order += 1
            result.milestones_added += 1
        current = sorted(task.responsibilities.all(), key=lambda r: r.order)
        names = [r.unit.name for r in current]
        if names and item["units"] and item["units"][0] != names[0]:
            raise ValidationError(
                _("Task %(code)s is led by %(lead)s, not %(unit)s.")
                % {"code": task.code, "lead": names[0], "unit": item["units"][0]}
            )
        order = max((r.order for r in current), default=-1) + 1
        for name in item["units"]:
            if name in names:
                continue
            unit = units.get(name)
            if unit is None:
                unit = Unit(name=name, sort_order=next_sort)
                unit._history_user = user
                unit.save()
                units[name] = unit
                next_sort += 1
                result.units_created.append(name)
            role = Responsibility.Role.CO if names else Responsibility.Role.LEAD
            responsibility = Responsibility(task=task, unit=unit, role=role, order=order)
            responsibility._history_user = user
            responsibility.save()
            names.append(name)
            order += 1
            result.responsibilities_added += 1
    return result
