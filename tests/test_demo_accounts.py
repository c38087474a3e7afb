import io

from django.contrib.auth import authenticate
from django.core.management import call_command

from units.management.commands.create_demo_accounts import DEMO_PASSWORD
from units.models import User


def test_demo_accounts_are_created_and_printed(db, rf):
    out = io.StringIO()
    call_command("create_demo_accounts", stdout=out)
    assert User.objects.filter(role=User.Role.REPORTER).values("unit").distinct().count() >= 3
    assert User.objects.get(username="kewei").unit.name == "区科委"
    assert User.objects.get(username="kewei").email == "kewei@kw.daxing.example"
    assert "staff" in out.getvalue() and DEMO_PASSWORD in out.getvalue()
    assert authenticate(rf.post("/"), username="leader", password=DEMO_PASSWORD).role == User.Role.LEADER


def test_demo_accounts_twice_changes_nothing(db):
    call_command("create_demo_accounts", stdout=io.StringIO())
    call_command("create_demo_accounts", stdout=io.StringIO())
    assert User.objects.filter(username__in=["staff", "leader", "kewei"]).count() == 3
