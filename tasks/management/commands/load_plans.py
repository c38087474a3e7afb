import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tasks.models import SpecificTask
from tasks.services import plan_import

DEFAULT_FILES = sorted((Path(settings.BASE_DIR) / "fixtures").glob("plan_*.json"))


class Command(BaseCommand):
    help = (
        "Load action plans (outline, milestones, units, indicators) from JSON files; by default the two seed "
        "plans in fixtures/. A plan whose title is already in the database is left unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path, help="plan JSON files (default: fixtures/plan_*.json)")

    def handle(self, *args, files, **options):
        for path in files or DEFAULT_FILES:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"无法读取 {path}：{exc}") from exc
            result = plan_import(data=data)
            plan = result.plan
            if result.created:
                tasks = SpecificTask.objects.filter(work_task__section__plan=plan).count()
                self.stdout.write(
                    f"已载入《{plan.title}》：{plan.sections.count()} 个篇章，{tasks} 项具体任务，"
                    f"新建责任单位 {len(result.units_created)} 个。"
                )
            else:
                self.stdout.write(f"《{plan.title}》已存在，未作改动。")
