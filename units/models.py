from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Unit(models.Model):
    """A responsible unit (责任单位): a bureau, a park committee, a district company or a city agency's branch."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("District party or government department")
        PARK = "park", _("Park management committee")
        COMPANY = "company", _("District company")
        CITY_BRANCH = "city_branch", _("City agency's district branch")

    name = models.CharField(_("full name"), max_length=100, unique=True, help_text=_("As printed in the plan"))
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    email = models.EmailField(_("contact email"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class User(AbstractUser):
    """An account. Its role decides what it may see and change (see tasks.access)."""

    class Role(models.TextChoices):
        COMMISSION = "commission", _("Commission staff")
        REPORTER = "reporter", _("Unit reporter")
        LEADER = "leader", _("Leadership")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REPORTER)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Required for unit reporters"),
    )
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_commission(self) -> bool:
        return self.is_superuser or self.role == self.Role.COMMISSION

    @property
    def is_reporter(self) -> bool:
        return not self.is_superuser and self.role == self.Role.REPORTER and self.unit_id is not None

    @property
    def is_leader(self) -> bool:
        return not self.is_superuser and self.role == self.Role.LEADER
