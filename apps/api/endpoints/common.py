from apps.api.schemas import ErrorOut

# Refusals every operation can answer with: malformed JSON, no or a bad token, a role that
# does not allow it (or a session without its CSRF token), outside your projects, bad input.
REFUSALS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def answers(ok: dict, *more_refusals: int) -> dict:
    """The responses of an operation: `ok` and the refusals, for the OpenAPI description."""
    return {**ok, **REFUSALS, **dict.fromkeys(more_refusals, ErrorOut)}


def without_nul(text: str) -> str:
    """PostgreSQL text cannot hold NUL, and no stored value has one."""
    return text.replace("\x00", "")
