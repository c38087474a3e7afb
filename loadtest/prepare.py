"""
Accounts and work for the load test's simulated users (run by loadtest/run.py, inside the production settings).

Each user reports for a unit of its own on a plan of its own ("负载测试行动计划"), so no two users edit the
same update: every submission the run counts must be stored exactly once. The plan spans last year to next
year, so each of a unit's tasks can be reported for every quarter begun so far. Prints the users, their
(task, quarter) work lists and the pages they browse, as JSON.

    python -m loadtest.prepare USERS TASKS_PER_USER PASSWORD
"""

import json
import sys

import django


def main(users: int, tasks_per_user: int, password: str) -> dict:
    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.urls import NoReverseMatch, reverse

    from tasks.calendar import Period, today
    from tasks.models import Plan, SpecificTask
    from tasks.services import plan_import
    from units.models import Unit, User

    year = today().year
    units = [f"负载测试单位{n:02d}" for n in range(1, users + 1)]
    data = {
        "plan": {
            "title": "负载测试行动计划",
            "short_title": "负载测试",
            "start_year": year - 1,
            "end_year": year + 1,
            "status": "active",
        },
        "units": [{"name": name} for name in units],
        "sections": [
            {
                "number": "一",
                "title": "负载测试篇章",
                "work_tasks": [
                    {
                        "seq": n + 1,
                        "number": f"（{n + 1}）",
                        "title": f"{name}的工作任务",
                        "items": [
                            {"number": f"{i + 1}.", "text": f"{name}的第{i + 1}项具体任务", "units": [name]}
                            for i in range(tasks_per_user)
                        ],
                    }
                    for n, name in enumerate(units)
                ],
            }
        ],
    }
    plan = plan_import(data=data).plan
    hashed = make_password(password)  # once for all users: hashing fifty passwords would take seconds
    periods = []
    period = Period(plan.start_year, 1)
    while period.start <= today():
        periods.append(period.label)
        period = period.next()

    def url(name, *args):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            return None

    browse = [
        [kind, u]
        for kind, u in [
            ("home", url("home")),
            ("unit home", url("tasks:unit_home")),
            ("update list", url("tasks:update_list")),
            ("plan page", url("tasks:plan_detail", plan.pk)),
            ("task list", url("tasks:task_list")),
            ("dashboards", url("indicators:overview")),
        ]
        if u
    ]
    people = []
    for n, name in enumerate(units, start=1):
        unit = Unit.objects.get(name=name)
        user, _ = User.objects.update_or_create(
            username=f"load{n:02d}",
            defaults={"password": hashed, "role": User.Role.REPORTER, "unit": unit, "display_name": f"负载测试用户{n:02d}"},
        )
        tasks = list(SpecificTask.objects.filter(responsibilities__unit=unit).order_by("order").values_list("pk", flat=True))
        task_pages = [["task page", u] for u in (url("tasks:task_detail", pk) for pk in tasks[:3]) if u]
        people.append(
            {
                "username": user.username,
                "work": [[task, label] for label in reversed(periods) for task in tasks],
                "browse": browse + task_pages,
            }
        )
    return {
        "plan": plan.pk,
        "plan_title": Plan.objects.get(pk=plan.pk).title,
        "login": reverse("login"),
        "users": people,
        "urls": {
            "update_start": reverse("tasks:update_start", args=[0]),
            "update_edit": reverse("tasks:update_edit", args=[0]),
            "update_detail": reverse("tasks:update_detail", args=[0]),
        },
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]), ensure_ascii=False))
