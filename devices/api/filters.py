import django_filters

from devices.models import Alarm, AlarmStatus, DeadLetter, DeadLetterReason

# Filter by a device's id as a plain value, not as a model choice: a model choice would answer
# "not a valid choice" for another cluster's device and so tell that it exists.


class AlarmFilter(django_filters.FilterSet):
    device = django_filters.UUIDFilter(field_name="device_id")
    status = django_filters.ChoiceFilter(choices=AlarmStatus.choices)

    class Meta:
        model = Alarm
        fields = ["device", "status"]


class DeadLetterFilter(django_filters.FilterSet):
    device = django_filters.UUIDFilter(field_name="device_id")
    reason = django_filters.ChoiceFilter(choices=DeadLetterReason.choices)

    class Meta:
        model = DeadLetter
        fields = ["device", "reason"]
