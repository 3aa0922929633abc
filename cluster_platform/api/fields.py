"""Input fields with bounds checked before the work they bound."""

from rest_framework import serializers


class BoundedListField(serializers.ListField):
    """A list input whose `max_length` is required and checked before any item is validated.

    DRF's ListField validates every item first and checks the length afterwards, so a request with
    200,000 bogus items costs 200,000 item validations and as many error messages.
    """

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(max_length=max_length, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list | tuple) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)
