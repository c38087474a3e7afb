"""Choosing the day a dashboard shows (indicators.views.resolve_as_of, period_choices): ?as_of=2022Q4."""

from datetime import date

from django.utils import translation

from indicators.views import period_choices, resolve_as_of
from tasks.calendar import Period

TODAY = date(2026, 11, 21)


def resolve(raw, first_year=2021):
    with translation.override("zh-hans"):
        return resolve_as_of(raw, first_year, TODAY)


def test_a_past_quarter_is_shown_as_of_its_last_day():
    as_of = resolve("2022Q4")
    assert (as_of.day, as_of.period, as_of.error) == (date(2022, 12, 31), Period(2022, 4), "")


def test_lower_case_and_spaces_are_accepted():
    assert resolve(" 2022q2 ").day == date(2022, 6, 30)


def test_no_value_means_today():
    assert resolve("") == resolve_as_of("", 2021, TODAY)
    assert (resolve("").day, resolve("").period) == (TODAY, None)


def test_the_quarter_still_running_is_shown_as_of_today():
    as_of = resolve("2026Q4")
    assert (as_of.day, as_of.period, as_of.error) == (TODAY, Period(2026, 4), "")


def test_a_value_that_is_no_quarter_falls_back_to_today_with_a_chinese_message():
    as_of = resolve("2022Q5")
    assert (as_of.day, as_of.period) == (TODAY, None)
    assert "不是有效的季度" in as_of.error and "2022Q5" in as_of.error


def test_a_year_that_is_no_date_is_refused_not_an_error_page():
    assert resolve("0Q1").error
    assert resolve("99999Q1").error


def test_a_quarter_not_begun_is_refused():
    as_of = resolve("2027Q1")
    assert as_of.day == TODAY
    assert "尚未开始" in as_of.error


def test_a_quarter_before_the_first_year_is_refused():
    as_of = resolve("2024Q4", first_year=2025)
    assert as_of.day == TODAY
    assert "2025" in as_of.error


def test_the_query_string_keeps_the_chosen_quarter():
    assert resolve("2022Q4").query == "?as_of=2022Q4"
    assert resolve("").query == ""


def test_choices_run_from_the_current_quarter_back_to_the_first():
    choices = period_choices(2025, 2027, TODAY)
    assert choices[0] == Period(2026, 4)
    assert choices[-1] == Period(2025, 1)
    assert len(choices) == 8


def test_choices_of_a_finished_plan_end_with_its_last_quarter():
    choices = period_choices(2021, 2023, TODAY)
    assert (choices[0], len(choices)) == (Period(2023, 4), 12)
