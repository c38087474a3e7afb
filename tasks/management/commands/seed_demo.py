"""
Demonstration and benchmark data: the two seed plans with years of quarterly
reporting, and at larger scales many more plans, units and updates.

Scale 1 is the two seed plans (loaded by load_plans) with every quarter
reported so far: three years for 2021–2023, and for 2025–2027 the quarters up
to today after staff have given its measures units and 2025/2026 milestones.
Above scale 1 a generated three-year plan ending this year is added, with a
section of 100 specific tasks (300 milestones, about 1,150 updates) per further
step of scale, and two units per step: scale 50 is about 100 units, 5,000
specific tasks, 15,000 milestones and 60,000 updates, most of them in one plan
so that per-plan pages and the progress-table export meet the full scale.

Updates go through the states the quarterly loop gives them: most approved
(some after a return and a second version), some waiting for review, some
returned, this quarter's drafts, a few reports missing, some late. Each
submission has its UpdateVersion, each step its UpdateEvent, and updates on
tasks that feed an indicator state contributions sized so that some indicators
reach their targets and some fall behind.

Rows are written with bulk_create in batches, without django-simple-history
rows (seed data has no editing history to show). The same --seed on the same
day gives the same data.
"""

import random
import time
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, time as dtime, timedelta
from decimal import Decimal
from io import StringIO

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone

from indicators.models import Contribution, Indicator, IndicatorTarget
from tasks.calendar import Period, due_date, reporting_period, today
from tasks.models import (
    Milestone,
    Plan,
    Responsibility,
    Section,
    SpecificTask,
    Update,
    UpdateEvent,
    UpdateVersion,
    WorkTask,
)
from tasks.rollup_cache import rollup_changed
from units.management.commands.create_demo_accounts import DEMO_PASSWORD
from units.models import Unit, User

BATCH = 2000
TASKS_PER_STEP = 100  # a section of 20 work tasks of 5 specific tasks
MAX_SCALE = 200
SEED_2025_TITLE = "大兴区推进科技成果转化落地行动方案（2025-2027年）"
SEED_2021_DOC = "京兴政发〔2021〕8号"

# --- Small word lists the texts are made from -----------------------------------------------------

FIELDS = ["生物医药", "氢能", "商业航天", "集成电路", "人工智能", "智能网联汽车", "数字医疗", "新材料", "智能制造", "节能环保"]
SECTION_TITLES = [
    "强化创新策源能力", "加快科技成果转化落地", "培育壮大创新主体", "优化创新创业生态",
    "完善人才发展保障", "深化开放交流合作", "提升科技金融服务能力",
]
VERBS = ["推进", "支持", "建设", "培育", "引进", "完善", "组织", "搭建", "落实", "开展", "深化", "打造"]
OBJECTS = [
    ("概念验证平台", "个"), ("中试基地", "个"), ("孵化载体", "家"), ("高新技术企业", "家"), ("专精特新企业", "家"),
    ("重点实验室", "个"), ("技术转移机构", "家"), ("应用场景示范项目", "项"), ("科技金融产品", "项"),
    ("知识产权运营服务项目", "项"), ("产学研合作项目", "项"), ("创新联合体", "个"), ("共性技术平台", "个"),
    ("成果转化项目", "项"), ("科技人才", "人"),
]
PURPOSES = [
    "形成可复制推广的经验做法", "提升区域产业创新能力", "促进创新成果就地转化", "服务区内重点企业发展",
    "带动产业链上下游协同创新", "营造良好创新创业氛围",
]
ACTIVITIES = ["政策宣讲会", "供需对接会", "专题调研", "项目评审会", "企业走访", "路演活动", "培训讲座"]
PROBLEMS = [
    "项目审批周期较长，部分手续仍在办理中。", "企业融资需求较大，配套资金到位较慢。", "专业技术人才不足，团队组建需要时间。",
    "受场地条件限制，部分项目落地进度放缓。", "跨部门协调事项较多，推进节奏有待加快。", "部分企业申报材料不完整，需要补充。",
]
RETURN_REASONS = [
    "请补充具体数量和佐证材料。", "进展情况与上季度重复，请更新本季度实际工作。", "请说明滞后原因及整改措施。",
    "指标数值与附件不一致，请核实后重新提交。",
]
TOWNS = [
    "黄村镇", "西红门镇", "旧宫镇", "亦庄镇", "瀛海镇", "青云店镇", "采育镇", "安定镇", "礼贤镇", "榆垡镇", "庞各庄镇",
    "北臧村镇", "魏善庄镇", "长子营镇", "兴丰街道", "林校路街道", "清源街道", "观音寺街道", "天宫院街道", "高米店街道",
    "荣华街道", "博兴街道",
]
TOWN_OFFICES = ["人民政府", "科技服务中心", "产业促进中心", "企业服务站", "创新服务中心"]

# Which seed units take the 2025–2027 measures, by words in the measure (the draft names no units).
KEYWORD_UNITS = [
    ("知识产权", "区市场监管局"), ("金融", "区金融办"), ("人才", "区委组织部"), ("医", "生物医药产业基地管委会"),
    ("外资", "区商务局"), ("出海", "区商务局"), ("政策", "区发展改革委"), ("平台", "区经济和信息化局"),
    ("宣传", "新媒体产业基地管委会"), ("孵化", "区新兴产业促进服务中心"),
]
CO_UNITS_2025 = ["区财政局", "区经济和信息化局", "区发展改革委", "生物医药产业基地管委会", "大兴投资", "临空区管委会"]


def chinese_number(n: int) -> str:
    """1 → 一, 14 → 十四, 105 → 一百零五, 980 → 九百八十, as sections and work tasks are numbered in print."""
    if n < 10:
        return "零一二三四五六七八九"[n]
    if n < 20:
        return "十" + (chinese_number(n - 10) if n > 10 else "")
    digits = "零一二三四五六七八九"
    out, zero = "", False
    for value, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, value)
        if d:
            out += ("零" if zero and out else "") + digits[d] + name
            zero = False
        elif out:
            zero = True
    return out


@contextmanager
def own_timestamps(*models):
    """Let bulk_create keep the created_at/updated_at we set: seeded history happened in the past, not now."""
    changed = []
    for model in models:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                changed.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in changed:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class DemoBuilder:
    def __init__(self, *, rng: random.Random, on: date, out):
        self.rng = rng
        self.on = on
        # Nothing is dated later than the end of yesterday: the same --seed on the same day gives the same rows.
        self.latest = timezone.make_aware(datetime.combine(on, dtime(0, 0))) - timedelta(minutes=1)
        self.out = out
        self.counts = Counter()
        self.password = make_password(DEMO_PASSWORD)  # hashed once, shared by every generated reporter

    # --- helpers ----------------------------------------------------------------------------------

    def moment(self, day: date, earliest: datetime | None = None) -> datetime:
        """A working-hours moment on day, never after yesterday and never before earliest."""
        at = timezone.make_aware(datetime.combine(day, dtime(self.rng.randint(8, 17), self.rng.randint(0, 59))))
        if earliest and at <= earliest:
            at = earliest + timedelta(minutes=self.rng.randint(5, 240))
        return min(at, self.latest)

    def pick(self, items):
        return items[self.rng.randrange(len(items))]

    def bulk(self, model, rows, **kwargs):
        created = model.objects.bulk_create(rows, batch_size=BATCH, **kwargs)
        self.counts[model.__name__] += len(rows)
        return created

    # --- units and the people who report for them --------------------------------------------------

    def ensure_units(self, wanted: int) -> list[Unit]:
        existing = list(Unit.objects.order_by("sort_order", "pk"))
        names = {u.name for u in existing}
        new = []
        for office in TOWN_OFFICES:
            for town in TOWNS:
                if len(existing) + len(new) >= wanted:
                    break
                name = f"{town}{office}"
                if name not in names:
                    new.append(Unit(name=name, short_name=name, kind=Unit.Kind.DEPARTMENT, sort_order=100 + len(new)))
        self.bulk(Unit, new)
        return list(Unit.objects.order_by("sort_order", "pk"))

    def ensure_reporters(self, units: list[Unit]) -> dict[int, User]:
        """One reporter per unit (the demo accounts where they exist), sharing the demo password."""
        have = {}
        for user in User.objects.filter(role=User.Role.REPORTER, unit__isnull=False).order_by("pk"):
            have.setdefault(user.unit_id, user)
        new = [
            User(
                username=f"unit{unit.pk}",
                password=self.password,
                role=User.Role.REPORTER,
                unit=unit,
                display_name=f"{unit.display_name}填报员",
            )
            for unit in units
            if unit.pk not in have
        ]
        self.bulk(User, new)
        for user in User.objects.filter(username__in=[u.username for u in new]):
            have[user.unit_id] = user
        return have

    # --- the 2025–2027 draft: units and milestones as staff would add them -------------------------

    def finalise_2025_plan(self, units_by_name: dict[str, Unit]) -> None:
        plan = Plan.objects.filter(title=SEED_2025_TITLE).first()
        if plan is None:
            return
        plan.status = Plan.Status.ACTIVE
        plan.save(update_fields=["status", "updated_at"])
        responsibilities, milestones = [], []
        for task in SpecificTask.objects.filter(work_task__section__plan=plan).order_by("pk"):
            if task.responsibilities.exists():
                continue
            lead = next((u for word, u in KEYWORD_UNITS if word in task.text), "区科委")
            co = [name for name in self.rng.sample(CO_UNITS_2025, self.rng.randint(0, 2)) if name != lead]
            for order, name in enumerate([lead, *co]):
                role = Responsibility.Role.LEAD if order == 0 else Responsibility.Role.CO
                responsibilities.append(Responsibility(task=task, unit=units_by_name[name], role=role, order=order))
            for year in (2025, 2026):
                milestones.append(
                    Milestone(task=task, year=year, due_date=date(year, 12, 31), text=self.milestone_text(year, task.text))
                )
        self.bulk(Responsibility, responsibilities)
        self.bulk(Milestone, milestones)

    def milestone_text(self, year: int, task_text: str = "") -> str:
        obj, measure = self.pick(OBJECTS)
        if task_text and self.rng.random() < 0.5:
            return f"{year}年底前，完成“{task_text[:18].rstrip('，。、')}”年度重点工作，形成阶段性成果。"
        return f"{year}年底前，{self.pick(VERBS)}{obj}不少于{self.rng.randint(2, 12)}{measure}。"

    # --- generated plans ---------------------------------------------------------------------------

    def generated_plan(self, steps: int, units: list[Unit]) -> Plan:
        """
        One plan in force for three years, with a section of 100 specific tasks (20 work tasks of 5) per
        step of scale, led and co-owned by all the units. One large plan rather than many small ones, so
        that the per-plan pages (task list, dashboards, progress-table export) meet the full scale.
        """
        start = self.on.year - 2
        plan = Plan.objects.create(
            title=f"大兴区科技创新重点任务三年行动计划（{start}-{start + 2}年）",
            short_title=f"科技创新重点任务（{start}-{start + 2}）",
            doc_number=f"京兴政发〔{start}〕12号",
            issuer="北京市大兴区人民政府",
            issue_date=date(start, 3, 18),
            start_year=start,
            end_year=start + 2,
            status=Plan.Status.ACTIVE,
            description=f"为加快建设科技创新引领区，{self.pick(PURPOSES)}，制定本行动计划。",
        )
        sections = self.bulk(
            Section,
            [
                Section(
                    plan=plan,
                    number=chinese_number(i + 1),
                    title=f"{FIELDS[i % len(FIELDS)]}：{SECTION_TITLES[i % len(SECTION_TITLES)]}",
                    order=i,
                )
                for i in range(steps)
            ],
        )
        work_tasks = self.bulk(
            WorkTask,
            [
                WorkTask(
                    section=section,
                    seq=20 * i + j + 1,
                    number=f"（{chinese_number(20 * i + j + 1)}）",
                    title=f"{self.pick(VERBS)}{FIELDS[i % len(FIELDS)]}{self.pick(OBJECTS)[0]}",
                )
                for i, section in enumerate(sections)
                for j in range(20)
            ],
        )
        tasks = self.bulk(
            SpecificTask,
            [
                SpecificTask(
                    work_task=work_task,
                    number=f"{n + 1}.",
                    order=n,
                    text=self.task_text(FIELDS[(work_task.seq - 1) // 20 % len(FIELDS)]),
                    deadline=date(start + 2, 12, 31),
                    continues_after_deadline=self.rng.random() < 0.2,
                )
                for work_task in work_tasks
                for n in range(TASKS_PER_STEP // 20)
            ],
        )
        responsibilities, milestones = [], []
        for task in tasks:
            chosen = self.rng.sample(units, 1 + (self.rng.random() < 0.4) + (self.rng.random() < 0.15))
            for order, unit in enumerate(chosen):
                role = Responsibility.Role.LEAD if order == 0 else Responsibility.Role.CO
                responsibilities.append(Responsibility(task=task, unit=unit, role=role, order=order))
            for m_order, year in enumerate(plan.years):
                milestones.append(
                    Milestone(task=task, year=year, due_date=date(year, 12, 31), text=self.milestone_text(year), order=m_order)
                )
        self.bulk(Responsibility, responsibilities)
        self.bulk(Milestone, milestones)

        # Six indicators, and three more per two steps; each fed by a few dozen tasks at scale 50.
        indicators = []
        for i in range(6 + 3 * (steps // 2)):
            obj, measure = OBJECTS[i % len(OBJECTS)]
            per_year = i % 6 == 5
            indicators.append(
                Indicator(
                    plan=plan,
                    name=f"{'每年' if per_year else '累计'}{['新增', '建成', '支持', '引进'][i % 4]}{obj}（{i + 1}）",
                    measure=measure,
                    mode=Indicator.Mode.PER_YEAR if per_year else Indicator.Mode.CUMULATIVE,
                    order=i,
                )
            )
        indicators = self.bulk(Indicator, indicators)
        targets, links = [], []
        through = Indicator.tasks.through
        feeding = max(3, steps // 2)
        for indicator in indicators:
            final = self.rng.randint(20, 40) * feeding if indicator.mode == Indicator.Mode.CUMULATIVE else 4 * feeding
            for n, year in enumerate(plan.years, start=1):
                value = final if indicator.mode == Indicator.Mode.PER_YEAR else round(final * n / 3)
                targets.append(
                    IndicatorTarget(
                        indicator=indicator,
                        year=year,
                        value=value,
                        source_text=f"{year}年{indicator.name}不少于{value}{indicator.measure}",
                    )
                )
            for task in self.rng.sample(tasks, min(feeding, len(tasks))):
                links.append(through(indicator_id=indicator.pk, specifictask_id=task.pk))
        self.bulk(IndicatorTarget, targets)
        self.bulk(through, links)
        return plan

    def task_text(self, field_name: str) -> str:
        obj, measure = self.pick(OBJECTS)
        return (
            f"围绕{field_name}产业，{self.pick(VERBS)}{obj}，{self.pick(PURPOSES)}，"
            f"力争每年新增{obj}不少于{self.rng.randint(2, 10)}{measure}。"
        )

    # --- quarterly updates -------------------------------------------------------------------------

    def report_plan(self, plan: Plan, reporters: dict[int, User], reviewer: User) -> None:
        """Every lead unit's report for every quarter reported so far, and some co-units' own."""
        current = reporting_period(plan, self.on)
        if due_date(plan, current) < self.on:
            current = None  # the plan is over: every quarter is in the past
        first = Period(plan.start_year, 1)
        last = current or Period(plan.end_year, 4)
        if last < first or first.start > self.on:
            return
        periods = []
        period = first
        while period <= last:
            periods.append(period)
            period = period.next()
        indicators = list(
            Indicator.objects.filter(plan=plan).prefetch_related("targets", "tasks").order_by("pk")
        )
        feeds = {}  # task id → [(indicator, mean value per update)]
        for indicator in indicators:
            linked = [t.pk for t in indicator.tasks.all()]
            targets = sorted(indicator.targets.all(), key=lambda t: t.year)
            if not linked or not targets:
                continue
            if indicator.mode == Indicator.Mode.PER_YEAR:
                mean = float(targets[-1].value) / (len(linked) * 4)
            else:
                mean = float(targets[-1].value) / (len(linked) * 4 * len(plan.years))
            mean *= self.rng.uniform(0.6, 1.3)  # some indicators run ahead of their targets, some fall behind
            for task_id in linked:
                feeds.setdefault(task_id, []).append((indicator, mean))

        tasks = (
            SpecificTask.objects.filter(work_task__section__plan=plan)
            .order_by("pk")
            .prefetch_related(
                Prefetch("responsibilities", queryset=Responsibility.objects.order_by("order")),
                Prefetch("milestones", queryset=Milestone.objects.order_by("year", "order")),
            )
        )
        pending = []
        for task in tasks:
            claimed = set()
            for responsibility in task.responsibilities.all():
                lead = responsibility.role == Responsibility.Role.LEAD
                for period in periods:
                    if not lead and self.rng.random() > 0.06:
                        continue  # co-units report on their own part now and then
                    spec = self.update_spec(plan, task, responsibility.unit_id, period, current, lead, claimed, feeds)
                    if spec:
                        pending.append(spec)
            if len(pending) >= BATCH:
                self.write_updates(pending, reporters, reviewer)
                pending = []
        self.write_updates(pending, reporters, reviewer)

    def update_spec(self, plan, task, unit_id, period, current, lead, claimed, feeds) -> dict | None:
        rng = self.rng
        roll = rng.random()
        if period == current:
            # This quarter's report is being written: drafts, a few early submissions, most not started.
            if roll < 0.55:
                return None
            state = Update.State.DRAFT if roll < 0.9 else Update.State.SUBMITTED
            cycles = 0
        else:
            recent = current is not None and period == current.previous()
            missing = 0.05 if recent else 0.02
            if roll < missing:
                return None
            roll = rng.random()
            if recent:
                state = (
                    Update.State.APPROVED if roll < 0.78 else Update.State.SUBMITTED if roll < 0.93 else Update.State.RETURNED
                )
            else:
                state = (
                    Update.State.APPROVED if roll < 0.975 else Update.State.SUBMITTED if roll < 0.99 else Update.State.RETURNED
                )
            # One approved update in twelve went back once for more detail before it was approved.
            cycles = 1 if state != Update.State.RETURNED and rng.random() < 0.08 else 0

        milestones = [m for m in task.milestones.all() if m.year == period.year and m.pk not in claimed]
        claims = []
        if lead and milestones and state != Update.State.DRAFT:
            if period.quarter == 4 and rng.random() < 0.92 or period.quarter == 3 and rng.random() < 0.2:
                claims = milestones
                if state == Update.State.APPROVED:
                    claimed.update(m.pk for m in milestones)
        last_year = period.year == plan.end_year and period.quarter == 4
        status_roll = rng.random()
        if last_year and claims:
            self_status = Update.SelfStatus.DONE
        elif status_roll < 0.1:
            self_status = Update.SelfStatus.BEHIND
        else:
            self_status = Update.SelfStatus.ON_TRACK
        contributions = []
        for indicator, mean in feeds.get(task.pk, ()):
            value = int(mean) + (1 if rng.random() < mean - int(mean) else 0)
            if value:
                contributions.append((indicator, value))
        return {
            "task": task,
            "unit_id": unit_id,
            "period": period,
            "due": due_date(plan, period),
            "state": state,
            "cycles": cycles,
            "late": rng.random() < 0.15,
            "claims": claims,
            "self_status": self_status,
            "contributions": contributions,
        }

    def texts(self, spec, version: int) -> tuple[str, str, str]:
        rng = self.rng
        obj, measure = self.pick(OBJECTS)
        progress = (
            f"{spec['period']}，{self.pick(VERBS)}{obj}{rng.randint(1, 9)}{measure}，"
            f"组织{self.pick(ACTIVITIES)}{rng.randint(1, 6)}场，服务企业{rng.randint(3, 60)}家，{self.pick(PURPOSES)}。"
        )
        if version > 1:
            progress += f"（已按审核意见补充：累计{self.pick(VERBS)}{obj}{rng.randint(2, 20)}{measure}，佐证材料已上传。）"
        problems = self.pick(PROBLEMS) if rng.random() < 0.4 else "无。"
        next_steps = f"下一步将{self.pick(VERBS)}{self.pick(OBJECTS)[0]}，确保按期完成年度任务。"
        return progress, problems, next_steps

    def write_updates(self, specs: list[dict], reporters: dict[int, User], reviewer: User) -> None:
        if not specs:
            return
        rng = self.rng
        updates, plans = [], []
        for spec in specs:
            period, due = spec["period"], spec["due"]
            author = reporters[spec["unit_id"]]
            started = self.moment(max(period.start, min(period.end, self.on)) - timedelta(days=rng.randint(0, 10)))
            steps = [("created", started, author, "")]
            versions = []
            if spec["state"] != Update.State.DRAFT:
                day = due + timedelta(days=rng.randint(1, 20)) if spec["late"] else due - timedelta(days=rng.randint(0, 8))
                at = self.moment(min(day, self.on), started)
                for cycle in range(spec["cycles"] + 1):
                    versions.append((at, self.texts(spec, len(versions) + 1)))
                    steps.append(("submitted", at, author, ""))
                    if cycle < spec["cycles"]:
                        at = self.moment(at.date() + timedelta(days=rng.randint(1, 5)), at)
                        steps.append(("returned", at, reviewer, self.pick(RETURN_REASONS)))
                        at = self.moment(at.date() + timedelta(days=rng.randint(1, 6)), at)
                if spec["state"] in (Update.State.APPROVED, Update.State.RETURNED):
                    at = self.moment(at.date() + timedelta(days=rng.randint(1, 6)), at)
                    note = self.pick(RETURN_REASONS) if spec["state"] == Update.State.RETURNED else ""
                    steps.append((spec["state"], at, reviewer, note))
            else:
                steps.append(("saved", self.moment(self.on, started), author, ""))
            text = versions[-1][1] if versions else self.texts(spec, 1)
            reviewed = steps[-1] if steps[-1][0] in ("approved", "returned") else None
            updates.append(
                Update(
                    task=spec["task"],
                    unit_id=spec["unit_id"],
                    year=period.year,
                    quarter=period.quarter,
                    state=spec["state"],
                    progress=text[0],
                    problems=text[1],
                    next_steps=text[2],
                    self_status=spec["self_status"],
                    revision=len(steps),
                    submitted_at=versions[0][0] if versions else None,
                    last_submitted_at=versions[-1][0] if versions else None,
                    reviewed_at=reviewed[1] if reviewed else None,
                    reviewed_by=reviewer if reviewed else None,
                    return_reason=reviewed[3] if reviewed and reviewed[0] == "returned" else "",
                    created_by=author,
                    updated_by=author,
                    created_at=started,
                    updated_at=steps[-1][1],
                )
            )
            plans.append((spec, steps, versions, author))

        with own_timestamps(Update, UpdateEvent, Contribution):
            updates = self.bulk(Update, updates)
            events, version_rows, contributions, claims = [], [], [], []
            through = Update.claimed_milestones.through
            for update, (spec, steps, versions, author) in zip(updates, plans):
                self.counts[f"state:{update.state}"] += 1
                for action, at, actor, note in steps:
                    events.append(UpdateEvent(update=update, action=action, actor=actor, note=note, created_at=at))
                snapshot_contributions = [
                    {"indicator": ind.pk, "name": ind.name, "value": str(value), "description": ""}
                    for ind, value in spec["contributions"]
                ]
                snapshot_milestones = [{"id": m.pk, "year": m.year, "text": m.text} for m in spec["claims"]]
                for number, (at, text) in enumerate(versions, start=1):
                    version_rows.append(
                        UpdateVersion(
                            update=update,
                            number=number,
                            progress=text[0],
                            problems=text[1],
                            next_steps=text[2],
                            self_status=spec["self_status"],
                            milestones=snapshot_milestones,
                            contributions=snapshot_contributions,
                            submitted_by=author,
                            submitted_at=at,
                        )
                    )
                for indicator, value in spec["contributions"]:
                    contributions.append(
                        Contribution(
                            update=update,
                            indicator=indicator,
                            value=Decimal(value),
                            description=f"本季度{indicator.name}{value}{indicator.measure}",
                            created_at=update.created_at,
                            updated_at=update.updated_at,
                        )
                    )
                claims += [through(update_id=update.pk, milestone_id=m.pk) for m in spec["claims"]]
            self.bulk(UpdateEvent, events)
            self.bulk(UpdateVersion, version_rows)
            self.bulk(Contribution, contributions)
            self.bulk(through, claims)

    # --- the whole run -----------------------------------------------------------------------------

    def build(self, scale: int) -> None:
        units = self.ensure_units(max(2 * scale, Unit.objects.count()))
        units_by_name = {u.name: u for u in units}
        self.finalise_2025_plan(units_by_name)
        seed_plans = list(Plan.objects.order_by("start_year", "pk"))
        reporters = self.ensure_reporters(units)
        reviewer = User.objects.filter(role=User.Role.COMMISSION, is_superuser=False).order_by("pk").first()
        if scale > 1:
            self.generated_plan(scale - 1, units)
        for plan in Plan.objects.order_by("start_year", "pk"):
            self.report_plan(plan, reporters, reviewer)
            self.out.write(f"  {plan}：已生成季度进展。", ending="\n")
        self.counts["seed plans"] = len(seed_plans)


class Command(BaseCommand):
    help = (
        "Fill an empty database with demonstration data: the two seed plans with their quarterly updates so far "
        "(scale 1); above that a generated plan in force with 100 specific tasks and two units per further step "
        "of --scale (scale 50: about 100 units, 5,000 specific tasks, 15,000 milestones, 60,000 updates). "
        "Refuses a database that already holds updates. The same --seed on the same day gives the same data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help=f"1 to {MAX_SCALE} (default 1)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")

    def handle(self, *args, scale, seed, **options):
        if not 1 <= scale <= MAX_SCALE:
            raise CommandError(f"--scale 必须是 1 到 {MAX_SCALE} 之间的整数，收到 {scale}。")
        existing = Update.objects.count()
        if existing:
            raise CommandError(
                f"数据库中已有 {existing} 条季度进展，未作任何改动。seed_demo 只在没有季度进展的数据库上运行一次，"
                "以免演示数据混入真实数据；如需重新生成，请换一个新数据库。"
            )
        started = time.perf_counter()
        quiet = StringIO()
        call_command("load_plans", stdout=quiet)
        call_command("create_demo_accounts", stdout=quiet)
        builder = DemoBuilder(rng=random.Random(seed), on=today(), out=self.stdout)
        with transaction.atomic():
            builder.build(scale)
            rollup_changed()  # bulk_create sends no signals: say so for every roll-up computed before
        # Fresh planner statistics: right after a bulk load PostgreSQL still believes the tables are nearly
        # empty (autovacuum analyses them only later) and picks plans that take minutes instead of milliseconds.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        c = builder.counts
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"演示数据已生成（规模 {scale}，随机种子 {seed}）：{Plan.objects.count()} 个行动计划，"
            f"{Unit.objects.count()} 个责任单位，{SpecificTask.objects.count()} 项具体任务，"
            f"{Milestone.objects.count()} 个年度任务，{c['Update']} 条季度进展"
            f"（草稿 {c['state:draft']}，待审核 {c['state:submitted']}，已退回 {c['state:returned']}，"
            f"审核通过 {c['state:approved']}），{c['UpdateVersion']} 个提交版本，{c['UpdateEvent']} 条操作记录，"
            f"{c['Contribution']} 条指标数值；用时 {elapsed:.1f} 秒。"
        )
