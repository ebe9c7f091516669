from django.shortcuts import get_object_or_404
from ninja import Path, Router

from apps.api.endpoints.common import answers
from apps.api.schemas import MAX_ID, ProjectOut
from apps.projects.models import Project
from apps.projects.permissions import roles_of

router = Router(tags=["projects"])


def with_role(project, user):
    project.role = roles_of(user).get(project.pk)
    return project


@router.get("/projects", response=answers({200: list[ProjectOut]}), summary="Your projects, with your role in each")
def project_list(request):
    return [with_role(project, request.auth) for project in Project.objects.visible_to(request.auth)]


@router.get("/projects/{project_id}", response=answers({200: ProjectOut}), summary="One project")
def project_detail(request, project_id: int = Path(..., ge=1, le=MAX_ID)):
    return with_role(get_object_or_404(Project.objects.visible_to(request.auth), pk=project_id), request.auth)
