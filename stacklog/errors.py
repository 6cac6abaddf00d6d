"""The stacklog exception family.

Every error stacklog raises on purpose is a :class:`StacklogError`. Bad input raises an
:class:`InputError` that names the source and the field; API failures raise an
:class:`APIError` (or a subclass) carrying the HTTP status, the URL without credentials and
the server's message.
"""

from __future__ import annotations


class StacklogError(Exception):
    """Base class of every error stacklog raises on purpose."""


class InputError(StacklogError, ValueError):
    """Malformed input: names the source (file or label), the field, and what is wrong.

    Attributes
    ----------
    source : str
        File path or label of the in-memory input.
    field : str
        The JSON field (or ``"json"``/``"file"`` for the document itself).
    reason : str
        What is wrong, in words.
    job_id : int or None
        The job concerned, when known.
    """

    def __init__(self, source: str, field: str, reason: str, job_id: int | None = None):
        self.source = str(source)
        self.field = field
        self.reason = reason
        self.job_id = job_id
        where = self.source if job_id is None else f"{self.source} (job {job_id})"
        super().__init__(f"{where}: field {field!r}: {reason}")


class APIError(StacklogError):
    """A PSM REST API request failed.

    Attributes
    ----------
    status : int or None
        HTTP status code (None for transport failures).
    url : str
        The request URL, without credentials.
    server_message : str
        The server's message or a short excerpt of its body.
    """

    def __init__(self, message: str, *, status: int | None = None, url: str = "",
                 server_message: str = ""):
        self.status = status
        self.url = url
        self.server_message = server_message
        super().__init__(message)


class BadRequestError(APIError):
    """HTTP 400: the server rejected the request's parameters."""


class AuthenticationError(APIError):
    """HTTP 401 or 403: bad credentials, wrong identity domain or tenant header."""


class NotFoundError(APIError):
    """HTTP 404: no such job, activity log or stack."""


class ServerError(APIError):
    """HTTP 5xx (after retries), or another unexpected status."""


class TransportError(APIError):
    """The connection failed or timed out (after retries)."""


class UnexpectedResponseError(APIError):
    """The server answered 200 but the body is not the JSON expected (an HTML login page)."""
