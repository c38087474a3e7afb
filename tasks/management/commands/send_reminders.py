from datetime import date

from django.core.management.base import BaseCommand, CommandError

from tasks import calendar, reporting, services


class Command(BaseCommand):
    help = (
        "Email each unit's reporters about its reports in plans in force: due within --days days and not "
        "submitted, overdue for the quarter whose due date passed last, or returned for revision. "
        "At most one reminder per report a day, so it is safe to run daily from cron (or twice)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=reporting.DUE_SOON_DAYS, help="remind of reports due within this many days"
        )
        parser.add_argument("--date", help="act as if today were this day (YYYY-MM-DD)")
        parser.add_argument("--dry-run", action="store_true", help="count what would be sent; send and record nothing")

    def handle(self, *args, days, date: str | None, dry_run, **options):
        if days < 0:
            raise CommandError("--days 不能为负数。")
        try:
            on = _parse_date(date) if date else calendar.today()
        except ValueError:
            raise CommandError(f"--date 应为 YYYY-MM-DD 格式的日期，而不是 {date!r}。") from None
        result = services.reminders_send(on=on, days=days, dry_run=dry_run)
        verb = "将发送" if dry_run else "已发送"
        self.stdout.write(
            f"{on:%Y-%m-%d}：{verb} {result.emails_sent} 封提醒邮件，涉及 {result.reports} 项报告；"
            f"今天已提醒过的 {result.already_sent} 项不再重复。"
        )
        if result.units_without_address:
            names = "、".join(u.name for u in result.units_without_address)
            self.stderr.write(f"以下单位没有填报员邮箱，未能提醒：{names}")
        if result.units_failed:
            names = "、".join(u.name for u in result.units_failed)
            self.stderr.write(f"以下单位的邮件发送失败，下次运行时会重试：{names}")
            raise CommandError("部分提醒邮件发送失败。")


def _parse_date(value: str) -> date:
    return date.fromisoformat(value)
