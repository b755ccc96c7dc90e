"""promptbank's Python client: `PromptbankClient` (blocking) and `AsyncPromptbankClient` (asyncio).

    from promptbank_client import PromptbankClient

    client = PromptbankClient()  # PROMPTBANK_BASE_URL, PROMPTBANK_API_KEY
    print(client.compile("support-reply", {"customer": "Ann"}, fallback="Hello!").compiled_prompt)
"""

from . import _models as models
from ._async.client import AsyncPromptbankClient
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GoneError,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    PreconditionFailedError,
    PromptbankError,
    RateLimitError,
)
from ._sync.client import PromptbankClient
from ._types import CompiledResult, PromptResult
from ._version import __version__

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncPromptbankClient",
    "AuthenticationError",
    "BadRequestError",
    "CompiledResult",
    "ConflictError",
    "GoneError",
    "InternalServerError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "PromptResult",
    "PromptbankClient",
    "PromptbankError",
    "RateLimitError",
    "__version__",
    "models",
]
