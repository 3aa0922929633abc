"""The dashboard: the chosen cluster's KPIs (or every cluster's, for an operator) as numbers and
server-side SVG charts, from the same cached figures the stats endpoint answers with."""

from django.template.response import TemplateResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cluster_platform.models import Cluster
from console import charts
from console.admin.context import console_context
from console.services.stats import default_range, stats_get
from enterprises.models import MembershipRole, SizeClass
from services.models import DeliveryMode


def dashboard_view(request):
    from console.admin.site import console_site

    context = console_context(request)
    clusters = [context.cluster] if context.cluster else list(Cluster.objects.filter(is_active=True))
    first, last = default_range()
    answer = stats_get(clusters=clusters, first=first, last=last)
    figures = answer["figures"]
    months = [month[2:] for month in answer["months"]]
    nothing = _("No data in these months yet.")
    english = (get_language() or "").startswith("en")
    funnel = figures["funnel"]
    # Contributed by the devices and programmes apps (console/selectors/stats.py's extension point).
    devices = figures.get("devices", {})
    vouchers = figures.get("vouchers", {})
    charts_html = [
        (
            _("Member enterprises over time"),
            charts.column_chart(
                title=_("Member enterprises over time"),
                labels=months,
                values=figures["members"]["series"],
                empty=nothing,
            ),
        ),
        (
            _("Digital maturity of assessed enterprises (latest level)"),
            charts.column_chart(
                title=_("Digital maturity of assessed enterprises (latest level)"),
                labels=[
                    _("level %(level)s") % {"level": level} for level in figures["maturity"]["distribution"]
                ],
                values=list(figures["maturity"]["distribution"].values()),
                empty=nothing,
            ),
        ),
        (
            _("Matching funnel"),
            charts.bar_chart(
                title=_("Matching funnel"),
                items=[
                    (_("recommended"), funnel["recommended"]),
                    (_("requested"), funnel["requested"]),
                    (_("accepted"), funnel["accepted"]),
                    (_("completed"), funnel["completed"]),
                ],
                empty=nothing,
            ),
        ),
        (
            _("Shared machine utilisation"),
            charts.line_chart(
                title=_("Shared machine utilisation"),
                labels=months,
                values=figures["bookings"]["utilisation_series"],
                empty=nothing,
                percent=True,
            ),
        ),
        (
            _("Connected devices at each month's end"),
            charts.column_chart(
                title=_("Connected devices at each month's end"),
                labels=months,
                values=devices.get("series", []),
                empty=nothing,
            ),
        ),
        (
            _("Voucher subsidies redeemed per month (CNY)"),
            charts.column_chart(
                title=_("Voucher subsidies redeemed per month (CNY)"),
                labels=months,
                values=[float(amount) for amount in vouchers.get("redeemed_series", [])],
                empty=nothing,
            ),
        ),
        (
            _("Top service categories"),
            charts.bar_chart(
                title=_("Top service categories"),
                items=[
                    (row["name_en"] if english else row["name"], row["count"])
                    for row in figures["services"]["top_categories"]
                ],
                empty=nothing,
            ),
        ),
    ]
    sizes = dict(SizeClass.choices)
    modes = dict(DeliveryMode.choices)
    roles = dict(MembershipRole.choices)
    numbers = [
        (_("registered users"), figures["users"]["total"]),
        (_("member enterprises"), figures["members"]["total"]),
        *[(roles.get(role, role), count) for role, count in figures["members"]["by_role"].items()],
        (_("started digital transformation"), figures["transformation"]["started"]),
        (_("reached a higher maturity level"), figures["transformation"]["uplifted"]),
        (_("services online"), figures["services"]["total"]),
        *[(modes.get(mode, mode), count) for mode, count in figures["services"]["by_delivery_mode"].items()],
        (_("application services"), figures["services"]["application_services"]),
        (_("ecosystem partners"), figures["partners"]["total"]),
        (_("shared machines"), figures["machines"]["total"]),
        (_("confirmed bookings"), figures["bookings"]["total"]),
        (_("applicable policies"), figures["policies"]["applicable"]),
        (_("members qualifying for a policy"), figures["policies"]["members_qualifying"]),
        (_("average rating"), figures["rating"]["average"]),
        *[
            (label, devices[key])
            for label, key in ((_("devices connected"), "connected"), (_("devices online now"), "online"))
            if key in devices
        ],
        *[
            (label, vouchers[key])
            for label, key in (
                (_("voucher programmes' budget (CNY)"), "budget"),
                (_("reserved for approved vouchers (CNY)"), "reserved"),
                (_("voucher subsidies redeemed (CNY)"), "redeemed"),
                (_("voucher subsidies paid (CNY)"), "paid"),
                (_("vouchers issued"), "vouchers_issued"),
                (_("vouchers redeemed"), "vouchers_redeemed"),
            )
            if key in vouchers
        ],
    ]
    return TemplateResponse(
        request,
        "console/dashboard.html",
        {
            **console_site.each_context(request),
            "title": _("Dashboard"),
            "scope_name": context.cluster.name if context.cluster else _("All clusters"),
            "answer": answer,
            "numbers": numbers,
            "charts": charts_html,
            "size_classes": [(sizes.get(k, k), v) for k, v in figures["members"]["by_size_class"].items()],
        },
    )
