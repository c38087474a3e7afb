from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tasks.models import Plan, SpecificTask, Update


class Indicator(models.Model):
    """
    A numeric target (指标). "不少于30项, 2022年不少于15项" is one indicator with two yearly targets.

    A cumulative indicator counts from the plan's start; a per-year one
    ("每年聘用人数不少于1人") counts within each year. tasks.rollup applies this.
    """

    class Mode(models.TextChoices):
        CUMULATIVE = "cumulative", _("Cumulative")
        PER_YEAR = "per_year", _("Per year")

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("name"), max_length=200)
    measure = models.CharField(_("unit of measure"), max_length=10, help_text=_("e.g. 项, 个, 家, 人, 套"))
    mode = models.CharField(_("counting"), max_length=10, choices=Mode.choices, default=Mode.CUMULATIVE)
    source_text = models.TextField(_("wording in the plan"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    tasks = models.ManyToManyField(
        SpecificTask, verbose_name=_("specific tasks that feed it"), blank=True, related_name="indicators"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[tasks])

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "name"], name="indicator_name_once_per_plan")]

    def __str__(self):
        return self.name


class IndicatorTarget(models.Model):
    """The target value (目标值) an indicator must reach by the end of one year."""

    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2)
    source_text = models.CharField(_("wording in the plan"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("yearly target")
        verbose_name_plural = _("yearly targets")
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="one_target_per_indicator_year"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="target_not_negative"),
        ]

    def __str__(self):
        return f"{self.indicator} {self.year}: {self.value}"


class Contribution(models.Model):
    """A unit's numeric contribution to an indicator, stated in a quarterly update."""

    update = models.ForeignKey(Update, verbose_name=_("update"), on_delete=models.CASCADE, related_name="contributions")
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="contributions"
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    description = models.CharField(_("what was counted"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["update", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["update", "indicator"], name="one_contribution_per_update_indicator"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="contribution_not_negative"),
        ]

    def __str__(self):
        return f"{self.indicator}: {self.value}"
