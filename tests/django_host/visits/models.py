"""The host's own table."""

from django.db import models


class Visit(models.Model):
    """A visit to the subject, recorded by the host in the same transaction as the step."""

    review_id = models.CharField(max_length=128)
    note = models.CharField(max_length=200)

    class Meta:
        app_label = "visits"
