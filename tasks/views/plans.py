from django.shortcuts import get_object_or_404, render

from .. import selectors
from ..models import Plan


def home(request):
    return render(request, "tasks/home.html", {"plans": selectors.plan_list()})


def plan_detail(request, plan_id):
    plan = get_object_or_404(Plan, pk=plan_id)
    return render(request, "tasks/plan_detail.html", {"plan": plan, "sections": selectors.plan_outline(plan)})
