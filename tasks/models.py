from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from units.models import Unit


class Plan(models.Model):
    """An action plan (行动计划 / 行动方案)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft for comments")
        ACTIVE = "active", _("In force")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=200, unique=True)
    short_title = models.CharField(_("short title"), max_length=60, blank=True)
    doc_number = models.CharField(_("document number"), max_length=60, blank=True)
    issuer = models.CharField(_("issuer"), max_length=100, blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    report_due_day = models.PositiveSmallIntegerField(
        _("report due day"),
        default=5,
        help_text=_("Quarterly reports are due on this day of the month after the quarter ends"),
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        ordering = ["-start_year", "title"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_year__gte=models.F("start_year")), name="plan_years_in_order"),
            models.CheckConstraint(
                condition=models.Q(report_due_day__gte=1, report_due_day__lte=28), name="plan_due_day_in_month"
            ),
        ]

    def __str__(self):
        return self.short_title or self.title

    @property
    def years(self) -> range:
        return range(self.start_year, self.end_year + 1)


class Section(models.Model):
    """A section of a plan: 篇章 一、二、… of the 2021–2023 plan, or one of the 行动 of the 2025–2027 plan."""

    class Kind(models.TextChoices):
        CHAPTER = "chapter", _("Chapter")
        ACTION = "action", _("Action")
        SAFEGUARD = "safeguard", _("Safeguards")

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="sections")
    number = models.CharField(_("number"), max_length=10, blank=True, help_text=_("As printed, e.g. 一"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CHAPTER)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["plan", "order"]

    def __str__(self):
        return f"{self.number}、{self.title}" if self.number else self.title


class WorkTask(models.Model):
    """A numbered work task (工作任务 （一）…（十四）); seq is the 序号 of the appendix table."""

    section = models.ForeignKey(Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="work_tasks")
    seq = models.PositiveIntegerField(_("serial number"), help_text=_("序号 in the progress table"))
    number = models.CharField(_("number"), max_length=10, blank=True, help_text=_("As printed, e.g. （四）"))
    title = models.CharField(_("title"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("work task")
        verbose_name_plural = _("work tasks")
        ordering = ["section__plan", "seq"]

    def __str__(self):
        return f"{self.number}{self.title}"


class SpecificTask(models.Model):
    """
    A specific task (具体任务): what a unit owns and reports on.

    text is the wording of the appendix's progress table, which units report
    against; body_text keeps the plan body's wording where it differs.
    """

    work_task = models.ForeignKey(
        WorkTask, verbose_name=_("work task"), on_delete=models.CASCADE, related_name="specific_tasks"
    )
    number = models.CharField(
        _("number"), max_length=10, blank=True, help_text=_("As printed, e.g. 2.; empty when the work task is its own task")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("task"))
    body_text = models.TextField(_("wording in the plan body"), blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    continues_after_deadline = models.BooleanField(
        _("continues after the deadline"), default=False, help_text=_("并持续推进")
    )
    units = models.ManyToManyField(
        Unit, verbose_name=_("responsible units"), through="Responsibility", related_name="specific_tasks"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("specific task")
        verbose_name_plural = _("specific tasks")
        ordering = ["work_task__section__plan", "work_task__seq", "order"]

    def __str__(self):
        return f"{self.code} {self.text[:40]}"

    @property
    def code(self) -> str:
        """序号-item, e.g. 4-2 for the second item of work task （四）; 1 for a single-task work task."""
        seq = self.work_task.seq
        return f"{seq}-{self.number.rstrip('.')}" if self.number else str(seq)


class Responsibility(models.Model):
    """A unit's place on a task. The first listed unit leads (牵头); the rest are co-responsible (配合)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        CO = "co", _("Co-responsible")

    task = models.ForeignKey(
        SpecificTask, verbose_name=_("specific task"), on_delete=models.CASCADE, related_name="responsibilities"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="responsibilities")
    role = models.CharField(_("role"), max_length=4, choices=Role.choices)
    order = models.PositiveIntegerField(_("order"), default=0, help_text=_("Position in the printed list"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        ordering = ["task", "order"]
        constraints = [
            models.UniqueConstraint(fields=["task", "unit"], name="unit_once_per_task"),
            models.UniqueConstraint(
                fields=["task"], condition=models.Q(role="lead"), name="one_lead_unit_per_task"
            ),
        ]

    def __str__(self):
        return f"{self.unit} ({self.get_role_display()})"


class Milestone(models.Model):
    """A yearly milestone (年度任务): what must stand by its due date, usually 12-31 of its year."""

    task = models.ForeignKey(
        SpecificTask, verbose_name=_("specific task"), on_delete=models.CASCADE, related_name="milestones"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    due_date = models.DateField(_("due date"))
    text = models.TextField(_("milestone"))
    order = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("yearly milestone")
        verbose_name_plural = _("yearly milestones")
        ordering = ["task", "year", "order"]

    def __str__(self):
        return f"{self.year}: {self.text[:40]}"


class Update(models.Model):
    """
    A unit's quarterly progress update (季度进展) on one specific task.

    revision counts every save and is the optimistic lock that tasks.services
    checks, so a second editor's stale form is refused instead of overwriting.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")

    class SelfStatus(models.TextChoices):
        ON_TRACK = "on_track", _("On track")
        BEHIND = "behind", _("Behind")
        DONE = "done", _("Done")

    task = models.ForeignKey(SpecificTask, verbose_name=_("specific task"), on_delete=models.CASCADE, related_name="updates")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="updates")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), choices=[(q, f"Q{q}") for q in range(1, 5)])
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    progress = models.TextField(_("progress"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    self_status = models.CharField(_("self-assessed status"), max_length=10, choices=SelfStatus.choices, blank=True)
    claimed_milestones = models.ManyToManyField(
        Milestone, verbose_name=_("milestones claimed as met"), blank=True, related_name="claiming_updates"
    )
    revision = models.PositiveIntegerField(_("revision"), default=1)
    submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    last_submitted_at = models.DateTimeField(_("last submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    return_reason = models.TextField(_("reason for return"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last edited by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[claimed_milestones])

    class Meta:
        verbose_name = _("quarterly update")
        verbose_name_plural = _("quarterly updates")
        ordering = ["-year", "-quarter", "task"]
        constraints = [
            models.UniqueConstraint(fields=["task", "unit", "year", "quarter"], name="one_update_per_unit_quarter"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4), name="quarter_1_to_4"),
        ]
        indexes = [
            models.Index(fields=["state", "year", "quarter"]),
            models.Index(fields=["unit", "year", "quarter"]),
            # Newest quarter first, as the update list sorts: PostgreSQL reads the latest quarters in order and
            # sorts only those, not every update of every plan (a reporter's list at scale 50: 137 → 21 ms).
            models.Index(fields=["-year", "-quarter"], name="update_newest_first"),
        ]

    def __str__(self):
        return f"{self.task.code} {self.unit} {self.year}Q{self.quarter}"

    @property
    def is_editable_by_unit(self) -> bool:
        return self.state in (self.State.DRAFT, self.State.RETURNED)


class UpdateVersion(models.Model):
    """A frozen copy of an update as it was submitted; every submission adds one."""

    update = models.ForeignKey(Update, verbose_name=_("update"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    progress = models.TextField(_("progress"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    self_status = models.CharField(_("self-assessed status"), max_length=10, blank=True)
    # Snapshots of related rows at submission: [{"id", "year", "text"}] and [{"indicator", "name", "value", "description"}].
    milestones = models.JSONField(_("milestones claimed"), default=list, blank=True)
    contributions = models.JSONField(_("contributions"), default=list, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("submitted version")
        verbose_name_plural = _("submitted versions")
        ordering = ["update", "number"]
        constraints = [models.UniqueConstraint(fields=["update", "number"], name="version_number_once")]

    def __str__(self):
        return f"{self.update} v{self.number}"


class UpdateEvent(models.Model):
    """Who did what to an update, when and why: the update's history as the interface shows it."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        SAVED = "saved", _("Saved draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")
        REOPENED = "reopened", _("Reopened")
        ATTACHED = "attached", _("Attached a file")
        DETACHED = "detached", _("Removed a file")
        IMPORTED = "imported", _("Imported from Excel")

    update = models.ForeignKey(Update, verbose_name=_("update"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("update event")
        verbose_name_plural = _("update events")
        ordering = ["update", "created_at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance, filename):
    # The stored name is not the uploaded one: the original name is kept in Attachment.name.
    return f"attachments/{instance.update.year}/{instance.update_id}/{instance.token}"


class Attachment(models.Model):
    """Evidence attached to an update; served only through an access-checked view."""

    update = models.ForeignKey(Update, verbose_name=_("update"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    token = models.CharField(max_length=32, unique=True, editable=False)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["update", "created_at"]

    def __str__(self):
        return self.name


class ReminderLog(models.Model):
    """One reminder sent about one report on one day; the unique constraint keeps it to once a day."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")
        RETURNED = "returned", _("Returned")

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(SpecificTask, verbose_name=_("specific task"), on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    sent_on = models.DateField(_("sent on"))
    recipients = models.TextField(_("recipients"), blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "task", "year", "quarter", "sent_on"], name="one_reminder_per_report_per_day"
            )
        ]

    def __str__(self):
        return f"{self.unit} {self.task.code} {self.year}Q{self.quarter} {self.sent_on}"


class ImportBatch(models.Model):
    """
    An uploaded Excel file, parsed and validated, waiting for staff to confirm.
    Nothing from the file is written to plans or updates until confirmation;
    then all of it is written in one transaction, or none.
    """

    class Kind(models.TextChoices):
        PLAN = "plan", _("New plan")
        KEY_TASKS = "key_tasks", _("Yearly key-task list")
        UPDATES = "updates", _("Quarterly updates")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        APPLIED = "applied", _("Applied")
        DISCARDED = "discarded", _("Discarded")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    filename = models.CharField(_("file name"), max_length=200)
    payload = models.JSONField(_("parsed rows"), default=dict)
    errors = models.JSONField(_("row errors"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Excel import")
        verbose_name_plural = _("Excel imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.filename}"


class RollupVersion(models.Model):
    """
    Two rows whose tokens change, in the same transaction, whenever data the
    roll-ups read is saved or deleted: 1 for the outline and approved updates,
    2 for the states of reports (tasks.rollup_cache). Roll-ups computed under
    a token are reused only while it stands, by every process alike.
    """

    token = models.BigIntegerField(_("token"), default=0)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("roll-up version")
        verbose_name_plural = _("roll-up versions")

    def __str__(self):
        return str(self.token)
