"""Plain copies of the listed rows, in tables the benchmark creates (bench/api/data.py)."""

from django.contrib.postgres.fields import ArrayField
from django.db import models


class BareOffering(models.Model):
    """A published offering as one flat row: category and partner are plain keys."""

    id = models.UUIDField(primary_key=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=500)
    description = models.TextField()
    category_id = models.CharField(max_length=64)
    partner_id = models.UUIDField()
    delivery_mode = models.CharField(max_length=8)
    target_industries = ArrayField(models.CharField(max_length=5))
    target_size_classes = ArrayField(models.CharField(max_length=8))
    regions_served = ArrayField(models.CharField(max_length=6))
    maturity_levels = ArrayField(models.PositiveSmallIntegerField())
    price_model = models.CharField(max_length=12)
    price_min = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    price_max = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    voucher_eligible = models.BooleanField()
    capacity = models.PositiveIntegerField()
    tags = ArrayField(models.CharField(max_length=32))
    status = models.CharField(max_length=10)
    published_at = models.DateTimeField(null=True)
    rating_count = models.PositiveIntegerField()
    rating_mean = models.FloatField()
    rating_bayes = models.FloatField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "bench_bare_offering"

    def __str__(self):
        return self.title


class BarePolicy(models.Model):
    """A library policy with the columns the policy list shows."""

    id = models.UUIDField(primary_key=True)
    title = models.CharField(max_length=300)
    document_number = models.CharField(max_length=100)
    issuer = models.CharField(max_length=200)
    level = models.CharField(max_length=10)
    region_code = models.CharField(max_length=6)
    cluster_id = models.UUIDField(null=True)
    published_on = models.DateField(null=True)
    application_opens = models.DateField(null=True)
    application_closes = models.DateField(null=True)
    valid_from = models.DateField(null=True)
    valid_until = models.DateField(null=True)
    categories = ArrayField(models.CharField(max_length=32))
    summary = models.TextField()
    benefit_type = models.CharField(max_length=32)
    max_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    status = models.CharField(max_length=10)

    class Meta:
        managed = False
        db_table = "bench_bare_policy"

    def __str__(self):
        return self.title
