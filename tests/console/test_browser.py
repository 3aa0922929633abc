"""End to end in headless Chromium (Debian's chromium and chromium-driver, driven by Selenium):
an agency operator moderates in the console, and another cluster's admin finds nothing of it.

Nothing is downloaded at run time: the browser and its driver are the system's, named by path,
and Selenium Manager is told to stay offline. Set CONSOLE_SCREENSHOTS to a folder to keep
screenshots of the dashboard and the moderation queue (docs/images holds the published ones).
"""

import os
import shutil
from pathlib import Path

import pytest

from cluster_platform.models import AuditLog
from services.models import Offering, OfferingStatus
from tests.cluster_platform.factories import ClusterStaffFactory
from tests.console import stats_world

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
PASSWORD = "correct-horse-battery"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
        reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
    ),
]


@pytest.fixture
def browser():
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not fetch a browser or a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1400"):
        options.add_argument(argument)
    # The platform's default language: Chinese (Chromium would otherwise ask for English).
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-Hans,zh"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(20)  # a loaded CI machine answers slowly
    yield driver
    driver.quit()


@pytest.fixture
def console_world(transactional_db):
    """The stats world, committed for the live server. A transactional test empties every table
    when it ends, the service taxonomy that migrations ship included: put it back both ways."""
    from services.models import Category
    from services.taxonomy import category_tree_sync

    category_tree_sync(Category)
    yield stats_world.build()
    category_tree_sync(Category)


def _screenshot(driver, name: str) -> None:
    folder = os.environ.get("CONSOLE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / name))


def _sign_in(driver, live_server, user) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{live_server.url}/console/login/?next=/console/")
    driver.find_element(By.NAME, "username").send_keys(user.email)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    assert driver.current_url.endswith("/console/"), driver.current_url


def test_an_operator_approves_a_pending_offering_and_sees_it_in_the_audit_log_and_dashboard(
    browser, live_server, console_world
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    world = console_world
    operator = ClusterStaffFactory(cluster=world.a, role="operator").user
    offering = Offering.objects.get(cluster=world.a, status=OfferingStatus.PENDING)
    _sign_in(browser, live_server, operator)

    browser.get(f"{live_server.url}/console/services/offering/?queue=pending")
    assert offering.title in browser.page_source
    _screenshot(browser, "console-moderation-queue.png")
    browser.find_element(By.CSS_SELECTOR, f"input.action-select[value='{offering.pk}']").click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("approve")
    browser.find_element(By.CSS_SELECTOR, "button[name=index]").click()
    WebDriverWait(browser, 60).until(
        lambda driver: driver.find_elements(By.CSS_SELECTOR, "ul.messagelist li")
    )
    assert not browser.find_elements(By.CSS_SELECTOR, "ul.messagelist li.error")

    offering.refresh_from_db()
    assert offering.status == OfferingStatus.PUBLISHED
    assert AuditLog.objects.filter(
        action="offering.approve", target_id=str(offering.pk), actor=operator
    ).exists()
    browser.get(f"{live_server.url}/console/cluster_platform/auditlog/")
    assert "offering.approve" in browser.page_source and offering.title in browser.page_source

    browser.get(f"{live_server.url}/console/dashboard/")
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.console-chart")
    assert len(charts) == 7
    assert all(chart.size["height"] > 50 for chart in charts)
    assert browser.find_elements(By.CSS_SELECTOR, "svg.console-chart rect.bar")
    _screenshot(browser, "console-dashboard.png")


def test_an_admin_of_another_cluster_finds_nothing_of_the_first_anywhere(browser, live_server, console_world):
    world = console_world
    admin_b = ClusterStaffFactory(cluster=world.b, role="admin").user
    a_offerings = list(Offering.objects.filter(cluster=world.a))
    _sign_in(browser, live_server, admin_b)
    pages = [
        "/console/services/offering/",
        "/console/services/offeringrevision/",
        "/console/services/machine/",
        "/console/enterprises/membership/",
        "/console/policies/policy/",
        "/console/cluster_platform/auditlog/",
        "/console/dashboard/",
    ]
    pages += [f"/console/services/offering/?q={offering.title}" for offering in a_offerings[:2]]
    for offering in a_offerings[:2]:
        pages += [
            f"/console/services/offering/{offering.pk}/change/",
            f"/console/services/offering/{offering.pk}/history/",
        ]
    for path in pages:
        browser.get(f"{live_server.url}{path}")
        source = browser.page_source
        for offering in a_offerings:
            assert f"/{offering.pk}/change/" not in source, path
        assert world.a.name not in source, path
        assert "stats-a 待审机台" not in source, path
