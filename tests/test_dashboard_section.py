"""Drill-down from a section (indicators.views.section_detail): its specific tasks with their status."""

import pytest
from django.urls import reverse

from tasks.models import SpecificTask, Update
from tasks.rollup import MilestoneState, TaskStatus

from .factories import make_update


@pytest.fixture
def section_1(plan_2021):
    """一、加快推进应用场景建设: tasks 1 and 2."""
    return plan_2021.sections.get(number="一")


def url(section, as_of=""):
    return reverse("indicators:section_detail", args=[section.pk]) + (f"?as_of={as_of}" if as_of else "")


def test_it_lists_the_sections_tasks_with_status_lead_unit_and_a_link(as_leader, section_1, task_1):
    make_update(task_1, "区科委", 2021, 2)
    response = as_leader.get(url(section_1, "2021Q2"))
    rows = response.context["rows"]
    assert [row.task.code for row in rows] == ["1", "2"]
    assert (rows[0].status, rows[0].lead.name) == (TaskStatus.ON_TRACK, "区科委")
    assert rows[1].status == TaskStatus.NOT_STARTED
    assert reverse("tasks:task_detail", args=[task_1.pk]) + "?as_of=2021Q2" in response.content.decode()


def test_it_shows_this_years_milestones_by_state(as_leader, section_1, task_1):
    make_update(task_1, "区科委", 2021, 4, claims=[task_1.milestones.get(year=2021)])
    rows = as_leader.get(url(section_1, "2022Q1")).context["rows"]
    # Viewed in 2022, the 2022 milestone is pending; the other task's 2021 milestone is not shown.
    assert [(m.year, info.state) for m, info in rows[0].milestones] == [(2022, MilestoneState.PENDING)]
    rows = as_leader.get(url(section_1, "2021Q4")).context["rows"]
    assert [(m.year, info.state, info.on_time) for m, info in rows[0].milestones] == [(2021, MilestoneState.MET, True)]


def test_counts_by_status_add_up_to_the_sections_tasks(as_leader, section_1, task_1):
    other = SpecificTask.objects.get(work_task__section=section_1, work_task__seq=2)
    make_update(other, "区科委", 2021, 1, self_status=Update.SelfStatus.BEHIND)
    counts = as_leader.get(url(section_1, "2021Q1")).context["counts"]
    assert (counts.total, counts.counts[TaskStatus.BEHIND], counts.counts[TaskStatus.NOT_STARTED]) == (2, 1, 1)


def test_it_is_read_only_and_open_to_every_role(client, outsider, section_1):
    client.force_login(outsider)
    assert client.get(url(section_1)).status_code == 200
    assert client.post(url(section_1)).status_code == 405


def test_an_unknown_section_is_404(as_leader):
    assert as_leader.get(reverse("indicators:section_detail", args=[999999])).status_code == 404
