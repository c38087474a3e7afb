from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from units.models import Unit, User

# One shared demo password, strong enough for the password validators. Demo accounts only:
# production accounts are made by staff in the admin.
DEMO_PASSWORD = "Daxing2026kw"

DEMO_ACCOUNTS = [
    # username, display name, role, unit name
    ("staff", "区科委 王敏（工作人员）", User.Role.COMMISSION, "区科委"),
    ("leader", "区领导 李华", User.Role.LEADER, None),
    ("kewei", "区科委填报员 张强", User.Role.REPORTER, "区科委"),
    ("caizheng", "区财政局填报员 刘洋", User.Role.REPORTER, "区财政局"),
    ("jingxin", "区经济和信息化局填报员 陈静", User.Role.REPORTER, "区经济和信息化局"),
    ("shengwu", "生物医药产业基地管委会填报员 赵磊", User.Role.REPORTER, "生物医药产业基地管委会"),
    ("touzi", "大兴投资填报员 孙悦", User.Role.REPORTER, "大兴投资"),
]


class Command(BaseCommand):
    help = (
        "Create or reset the demo accounts (a commission staff member, a leader, and reporters for five units) "
        "with the shared demo password, and print them. Needs the seed plans' units: run load_plans first."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        units = {u.name: u for u in Unit.objects.filter(name__in=[a[3] for a in DEMO_ACCOUNTS if a[3]])}
        missing = {a[3] for a in DEMO_ACCOUNTS if a[3]} - set(units)
        if missing:
            raise CommandError(f"缺少责任单位：{'、'.join(sorted(missing))}。请先运行 manage.py load_plans。")
        self.stdout.write("演示账号（密码均为 %s）：" % DEMO_PASSWORD)
        for username, display_name, role, unit_name in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username)
            user.display_name = display_name
            user.email = f"{username}@kw.daxing.example"  # reminders need an address; .example never delivers
            user.role = role
            user.unit = units.get(unit_name)
            user.is_staff = role == User.Role.COMMISSION  # commission staff manage data in the admin too
            user.set_password(DEMO_PASSWORD)
            user.save()
            if role == User.Role.COMMISSION:
                user.user_permissions.set(
                    Permission.objects.filter(content_type__app_label__in=["units", "tasks", "indicators"])
                )
            self.stdout.write(f"  {username:<10} {DEMO_PASSWORD}  {display_name}（{user.get_role_display()}）")
