from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from zaymer import bureau_views, dashboards, health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", health.health, name="health"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="staff/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/second-factor/", views.second_factor, name="second-factor"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("underwriting/metrics/", dashboards.underwriting_metrics, name="underwriting-metrics"),
    path("dashboards/", dashboards.business, name="dashboards"),
    path("bureaus/", bureau_views.bureau_deadlines, name="bureau-deadlines"),
    path("dashboards/rebuild/", dashboards.business_rebuild, name="dashboards-rebuild"),
    path(
        "dashboards/rebuild/status/",
        dashboards.business_rebuild_status,
        name="dashboards-rebuild-status",
    ),
    re_path(
        r"^dashboards/(?P<name>[-\w]+)\.(?P<fmt>csv|xlsx)$",
        dashboards.business_download,
        name="dashboards-download",
    ),
    path("underwriting/", include("underwriting.urls")),
    path("collection/", include("collection.urls")),
    path("documents/", include("loans.urls")),
    path("scoring/", include("scoring.urls")),
    path("desk/", include("desk.urls")),
    path("api/v1/staff/", include("underwriting.api_urls")),
    path("api/", include("zaymer.api_urls")),
]

# A database outage met outside a view (the session, say) answers 503 like one met in a view.
handler500 = "zaymer.health.server_error"
