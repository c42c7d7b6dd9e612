"""Staff entry: the home page sends each role to its first page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from zaymer.navigation import staff_pages


@login_required
def home(request):
    pages = staff_pages(request.user)
    if pages:
        return redirect(pages[0][0])
    return render(request, "staff/no_pages.html", status=403)
