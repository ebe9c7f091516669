from django.urls import path

from apps.stories import version_views

app_name = "stories"
urlpatterns = [
    # Versions of one article.
    path("articles/<int:pk>/versions/", version_views.article_versions, name="versions"),
    path("carried/", version_views.anchoring_queue, name="anchorings"),
    path("carried/<int:pk>/", version_views.anchoring_decide, name="anchoring-decide"),
]
