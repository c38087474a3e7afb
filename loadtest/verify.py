"""
After the run: which of the submissions the users saw succeed are stored, and as what
(run by loadtest/run.py inside the production settings).

    python -m loadtest.verify SUBMITTED.json     # [{"update": id, "marker": text}, ...]

Prints JSON: how many updates of the load-test plan are stored as submitted, how many of the users'
submissions are stored with their text and one version holding it, and the ids of any that are not.
"""

import json
import sys

import django


def main(path: str) -> dict:
    django.setup()
    from tasks.models import Update, UpdateVersion

    submitted = json.loads(open(path, encoding="utf-8").read())
    ids = [s["update"] for s in submitted]
    stored = {
        u.pk: u
        for u in Update.objects.filter(pk__in=ids).only("pk", "state", "progress")
    }
    versions = {}
    for update_id, progress in UpdateVersion.objects.filter(update__in=ids).values_list("update", "progress"):
        versions.setdefault(update_id, []).append(progress)
    lost, wrong = [], []
    for s in submitted:
        update = stored.get(s["update"])
        if update is None:
            lost.append(s["update"])
        elif update.state != Update.State.SUBMITTED or s["marker"] not in update.progress:
            wrong.append(s["update"])
        elif [s["marker"] in text for text in versions.get(s["update"], [])].count(True) != 1:
            wrong.append(s["update"])
    plan_submitted = Update.objects.filter(
        task__work_task__section__plan__title="负载测试行动计划", state=Update.State.SUBMITTED
    ).count()
    return {
        "users_submitted": len(submitted),
        "distinct_updates": len(set(ids)),
        "stored_submitted_in_plan": plan_submitted,
        "stored_with_text_and_version": len(submitted) - len(lost) - len(wrong),
        "lost": lost,
        "wrong": wrong,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
