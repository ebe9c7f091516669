from django import forms
from django.contrib.postgres.forms import SimpleArrayField
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema, Status

from apps.api.endpoints.common import answers, without_nul
from apps.api.errors import validated
from apps.api.paging import paged
from apps.api.schemas import (
    MAX_ID,
    MergeIn,
    Page,
    SourceChange,
    SourceIn,
    SourceKind,
    SourceMergeOut,
    SourceOut,
    SourcePage,
)
from apps.directory.models import SourceMerge
from apps.directory.services import merge_sources, undo_merge
from apps.projects.models import Project
from apps.sources.models import Source
from apps.sources.services import save_source

router = Router(tags=["sources"])


class SourceForm(forms.ModelForm):
    """The model's own validation (lengths, web addresses only, one source per spelling)."""

    # One alias a line: names may hold commas ("Smith, John").
    aliases = SimpleArrayField(forms.CharField(max_length=300), delimiter="\n", required=False)

    class Meta:
        model = Source
        # The project too, so that the form checks the constraints it is part of (one name per kind).
        fields = ["project", "name", "kind", "url", "description", "aliases"]

    def __init__(self, *args, instance: Source, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(pk=instance.project_id)


class SourceFilters(Schema):
    project: int | None = Field(None, ge=1, le=MAX_ID)
    kind: SourceKind | None = None
    q: str | None = Field(None, max_length=300, description="Search names and aliases (typos, accents tolerated).")


def source_form(source: Source, fields: dict) -> SourceForm:
    data = {name: value for name, value in fields.items() if value is not None}
    data["aliases"] = "\n".join(data.get("aliases", source.aliases))
    initial = {"name": source.name, "kind": source.kind, "url": source.url, "description": source.description}
    return SourceForm({**initial, **data, "project": source.project_id}, instance=source)


@router.get("/sources", response=answers({200: SourcePage}), summary="Sources, or those matching a search")
def source_list(request, response: HttpResponse, filters: Query[SourceFilters], page: Query[Page]):
    sources = Source.objects.visible_to(request.auth)
    if filters.project:
        sources = sources.filter(project_id=filters.project)
    if filters.kind:
        sources = sources.filter(kind=filters.kind)
    query = without_nul(filters.q or "")
    sources = sources.matching(query) if query.strip() else sources.order_by("name", "pk")
    return paged(request, response, sources, limit=page.limit, offset=page.offset)


@router.get("/sources/{source_id}", response=answers({200: SourceOut}), summary="One source")
def source_detail(request, source_id: int = Path(..., ge=1, le=MAX_ID)):
    return get_object_or_404(Source.objects.visible_to(request.auth), pk=source_id)


@router.post("/sources", response=answers({201: SourceOut}), summary="Add a source to a project")
def source_create(request, payload: SourceIn):
    project = get_object_or_404(Project.objects.visible_to(request.auth), pk=payload.project)
    form = source_form(Source(project=project), payload.model_dump(mode="json", exclude={"project"}))
    validated(form)
    return Status(201, save_source(source=form.instance, user=request.auth))


@router.patch("/sources/{source_id}", response=answers({200: SourceOut}), summary="Change a source")
def source_update(request, payload: SourceChange, source_id: int = Path(..., ge=1, le=MAX_ID)):
    source = get_object_or_404(Source.objects.visible_to(request.auth), pk=source_id)
    form = source_form(source, payload.model_dump(mode="json"))
    validated(form)
    return save_source(source=form.instance, user=request.auth)


@router.post(
    "/sources/{source_id}/merge",
    response=answers({201: SourceMergeOut}),
    summary="Merge a source into another of its project (managers)",
    description=(
        "Moves every annotation link, published article, affiliated source and alias of this source to `into`, "
        "which takes this one's name as an alias, in one transaction; this source is then gone. Links that "
        "would repeat one of `into`'s (same annotation and role) are folded into it. 403 without the manager "
        "role, 422 for the same source or one of another project, 404 for a source you cannot see."
    ),
)
def source_merge(request, payload: MergeIn, source_id: int = Path(..., ge=1, le=MAX_ID)):
    visible = Source.objects.visible_to(request.auth)
    source = get_object_or_404(visible, pk=source_id)
    into = get_object_or_404(Source.objects.in_projects(request.auth), pk=payload.into)
    merge = merge_sources(source=source, into=into, user=request.auth)
    return Status(201, merge)


@router.post(
    "/sources/merges/{merge_id}/undo",
    response=answers({200: SourceMergeOut}),
    summary="Undo a merge (managers)",
    description=(
        "Makes the merged source again, with its id, and moves back what the merge moved unless it changed "
        "since; `not_restored` says what stayed and why. 422 when it was undone already, or when a source of "
        "the merged name exists again."
    ),
)
def merge_undo(request, merge_id: int = Path(..., ge=1, le=MAX_ID)):
    merge = get_object_or_404(SourceMerge.objects.visible_to(request.auth), pk=merge_id)
    return undo_merge(merge=merge, user=request.auth)
