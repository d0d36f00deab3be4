"""Bot API error responses, worded as Telegram words them (bots match on these strings)."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error response: HTTP status, `description` and optional `parameters`."""

    def __init__(
        self, status: int, description: str, *, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {description}")
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str, **parameters: Any) -> ApiError:
    return ApiError(400, f"Bad Request: {message}", parameters=parameters or None)


def forbidden(message: str) -> ApiError:
    return ApiError(403, f"Forbidden: {message}")


def not_found() -> ApiError:
    return ApiError(404, "Not Found")
