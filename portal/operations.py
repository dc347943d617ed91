"""The vocabulary every domain's operations share.

An operation (`portal.<domain>.operations`, the only writers) validates its input and raises
`OperationError` for what it refuses, naming the form field the message belongs beside. Views
turn it into a 422 with the message by that field; the API into problem+json.
"""

from __future__ import annotations


class OperationError(ValueError):
    """Input an operation refuses; `field` names the form field it belongs to, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
