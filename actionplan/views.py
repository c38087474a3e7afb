from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A refused form gets a Chinese page that says nothing was changed, not Django's English one."""
    return render(request, "403_csrf.html", status=403)
