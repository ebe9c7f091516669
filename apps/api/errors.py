"""Every refusal as JSON: a message for people and the fields refused, with the HTTP status
the workbench gives the same refusal (403 a role, 404 outside your projects, 409 a stale edit
or a repeated span, 422 input that cannot be saved)."""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig, ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja import errors as ninja_errors

from apps.annotations.services import DuplicateAnnotation, EditConflict, StatusConflict
from apps.api.representations import annotation_dict
from apps.projects.models import database_refusal
from config.middleware import failure_response

NOT_FOUND = "Not found, or not in your projects."
NO_CREDENTIALS = (
    "Sign in, or send a token as `Authorization: Bearer <token>` (make one on your API tokens page, /api/tokens/)."
)
BAD_TOKEN = "This token is unknown or revoked, or its user is inactive; make a new one on /api/tokens/."


class FormRefused(Exception):
    """A form of the workbench or the import page refused the input (see `validated`)."""

    def __init__(self, form):
        super().__init__(form.errors)
        self.form = form


class BodyNotAnObject(ValueError):
    """A JSON body that is valid JSON but not an object: an array, a string, a number, a boolean or null."""

    def __init__(self, data):
        kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(data), "a number")
        super().__init__(
            f"The body must be a JSON object with the fields this address takes, not {kind}; nothing was changed."
        )


class PreconditionRequired(Exception):
    """A change that names no version: it could overwrite someone else's edit unseen."""


def validated(form) -> dict:
    """The form's cleaned data; FormRefused (422) when the form refuses it."""
    if not form.is_valid():
        raise FormRefused(form)
    return form.cleaned_data


def error_body(message: str, errors: list[tuple[str, str]] = ()) -> dict:
    return {"message": message, "errors": [{"field": field, "message": text} for field, text in errors]}


def field_name(field: str) -> str:
    return "__all__" if field == NON_FIELD_ERRORS else field


def validation_error_items(error: ValidationError) -> list[tuple[str, str]]:
    if hasattr(error, "error_dict"):
        return [(field_name(field), text) for field, texts in error.message_dict.items() for text in texts]
    return [("__all__", text) for text in error.messages]


def summary(items: list[tuple[str, str]]) -> str:
    return " ".join(text for _, text in items) or "The request was refused."


def ninja_field(location: tuple) -> str:
    """`("body", "payload", "start")` -> "start"; `("query", "limit")` -> "limit"."""
    parts = [str(part) for part in location]
    if parts and parts[0] == "body" and len(parts) > 2:
        parts = parts[2:]
    elif parts:
        parts = parts[1:] or parts
    return ".".join(parts)


def install_error_handlers(api) -> None:
    def respond(request, status: int, body: dict, **headers):
        response = api.create_response(request, body, status=status)
        for name, value in headers.items():
            response[name.replace("_", "-")] = value
        return response

    @api.exception_handler(ninja_errors.ValidationError)
    def invalid_request(request, exc):
        items = [(ninja_field(error.get("loc", ())), error.get("msg", "Invalid.")) for error in exc.errors]
        message = "Some fields were refused: " + "; ".join(f"{field}: {text}" for field, text in items)
        return respond(request, 422, error_body(message, items))

    @api.exception_handler(ninja_errors.AuthenticationError)
    def unauthenticated(request, exc):
        given = request.headers.get("Authorization", "")
        if not given:
            message = NO_CREDENTIALS
        elif given.split(" ", 1)[0].lower() != "bearer":
            message = "Send the token as “Authorization: Bearer <token>”."
        else:
            message = BAD_TOKEN
        return respond(request, 401, error_body(message), WWW_Authenticate='Bearer realm="sourcetrace"')

    @api.exception_handler(ninja_errors.HttpError)
    def http_error(request, exc):
        message = str(exc)
        if isinstance(exc.__cause__, BodyNotAnObject):  # ninja's 400 for whatever the parser raised
            return respond(request, 422, error_body(str(exc.__cause__)))
        if exc.status_code == 400 and message.startswith("Cannot parse request body"):
            message = "The body is not valid JSON (UTF-8); nothing was changed."
        return respond(request, exc.status_code, error_body(message))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, error_body(NOT_FOUND))

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return respond(request, 403, error_body(str(exc) or "Your role in this project does not allow this."))

    @api.exception_handler(FormRefused)
    def form_refused(request, exc):
        items = [
            (field_name(field), error["message"])
            for field, errors in exc.form.errors.get_json_data().items()
            for error in errors
        ]
        return respond(request, 422, error_body(summary(items), items))

    @api.exception_handler(ValidationError)
    def refused(request, exc):
        items = validation_error_items(exc)
        return respond(request, 422, error_body(summary(items), items))

    @api.exception_handler(DuplicateAnnotation)
    def duplicate(request, exc):
        items = validation_error_items(exc)
        return respond(request, 409, error_body(summary(items), items))

    @api.exception_handler(EditConflict)
    def conflict(request, exc):
        current = exc.current
        if isinstance(exc, StatusConflict):
            message = str(exc)
        else:
            author = current.updated_by or current.created_by
            message = (
                f"Somebody saved this annotation after the version you edited ({author} made version "
                f"{current.version}); nothing was changed. Apply your change to the current state."
            )
        body = {**error_body(message), "current": annotation_dict(current.pk)}
        return respond(request, 409, body, ETag=etag(current))

    @api.exception_handler(PreconditionRequired)
    def precondition_required(request, exc):
        return respond(request, 428, error_body(str(exc), [("version", str(exc))]))

    @api.exception_handler(Exception)
    def failure(request, exc):
        """An outage, or a failure after a change was committed: the site's answer (config/middleware.py)."""
        response = failure_response(request, exc)
        if response is None:
            raise exc  # Django's 500, as without this handler when DEBUG is off
        return response

    @api.exception_handler(MultiPartParserError)
    def unreadable_form(request, exc):
        content_type = request.content_type or "multipart/form-data"
        message = (
            f"The body could not be read as {content_type}: send it with its boundary "
            "(Content-Type: multipart/form-data; boundary=...), as HTTP clients do for files; nothing was changed."
        )
        return respond(request, 400, error_body(message))

    @api.exception_handler(IntegrityError)
    def database_refused(request, exc):
        """The database's own check that rows stay in one project, should a write get past the forms."""
        refusal = database_refusal(exc)
        if refusal is None:
            raise exc
        return respond(request, 422, error_body(refusal))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return respond(
            request, 413, error_body("The request body is larger than this server accepts; send less at once.")
        )


def etag(annotation) -> str:
    return etag_of(annotation.pk, annotation.version)


def etag_of(pk: int, version: int) -> str:
    """An annotation's entity tag: it changes with every saved version."""
    return f'"annotation-{pk}-v{version}"'
