from django.utils.functional import SimpleLazyObject

from tasks import reporting


def navigation(request):
    """
    nav_counts for the navigation bar and the home page: a reporter's reports
    due soon, overdue or returned (tasks.reporting.unit_todos, the same list the
    reminder emails carry), or the updates waiting for staff's review. Lazy, so
    a page that does not show them runs no query for them; leadership has none.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.is_commission or user.is_reporter):
        return {}
    return {"nav_counts": SimpleLazyObject(lambda: reporting.nav_counts(user))}
