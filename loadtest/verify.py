"""
After the run: the submissions the users made, against what the database holds
(run by loadtest/run.py inside the production settings).

    python -m loadtest.verify SUBMISSIONS.json
        {"acknowledged": [{"update": id, "marker": text}, ...],   # the user saw "submitted" come back
         "attempted": [marker, ...]}                              # every submit the users sent

Each submission's progress text carries a unique marker. Prints JSON:
- stored_ok: acknowledged submissions stored as submitted, with their text and exactly one version holding it;
- lost: acknowledged submissions not stored that way (must be none);
- unacknowledged_stored: submissions stored although the user never saw the answer (its request timed out);
- unknown: updates of the load-test plan in state submitted that no user sent (must be none);
- stored_in_plan: all updates of the load-test plan in state submitted.
"""

import json
import sys

import django

PLAN_TITLE = "负载测试行动计划"


def main(path: str) -> dict:
    django.setup()
    from tasks.models import Update, UpdateVersion

    data = json.loads(open(path, encoding="utf-8").read())
    acknowledged, attempted = data["acknowledged"], set(data["attempted"])
    stored = {
        u.pk: u
        for u in Update.objects.filter(task__work_task__section__plan__title=PLAN_TITLE, state=Update.State.SUBMITTED)
    }
    versions: dict[int, list[str]] = {}
    for update_id, progress in UpdateVersion.objects.filter(update__in=list(stored)).values_list("update", "progress"):
        versions.setdefault(update_id, []).append(progress)

    def marker_of(update) -> str | None:
        return next((m for m in attempted if m in update.progress), None)

    lost = []
    for s in acknowledged:
        update = stored.get(s["update"])
        ok = update is not None and s["marker"] in update.progress
        ok = ok and [s["marker"] in text for text in versions.get(s["update"], [])].count(True) == 1
        if not ok:
            lost.append(s["update"])
    acknowledged_ids = {s["update"] for s in acknowledged}
    others = [u for pk, u in stored.items() if pk not in acknowledged_ids]
    unacknowledged = [u.pk for u in others if marker_of(u)]
    unknown = [u.pk for u in others if not marker_of(u)]
    return {
        "acknowledged": len(acknowledged),
        "attempted": len(attempted),
        "stored_ok": len(acknowledged) - len(lost),
        "lost": lost,
        "unacknowledged_stored": unacknowledged,
        "unknown": unknown,
        "stored_in_plan": len(stored),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
