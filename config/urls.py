from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="articles:list", permanent=False)),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/review/", include("apps.review.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("apps.api.urls")),
    path("exports/", include("apps.exports.urls")),
    path("articles/", include("apps.articles.urls")),
    path("imports/", include("apps.imports.urls")),
    path("search/", include("apps.search.urls")),
    path("stories/", include("apps.stories.urls")),
    path("claims/", include("apps.claims.urls")),
    path("sources/", include("apps.directory.urls")),
    path("invitations/", include("apps.projects.urls")),
    path("", include("apps.annotations.urls")),
]

# An outage met in a middleware (a session saved after the view) is still a 503, not a 500.
handler500 = "config.views.server_error"
handler403 = "config.views.permission_denied"
