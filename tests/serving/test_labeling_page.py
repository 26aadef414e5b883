"""The labeling page in headless Chromium (Debian's chromium + chromium-driver, driven by Selenium) against a
real ``fmkit serve``: label by keyboard, skip, undo, and find the labels in the database; plus the page's API
answering bad requests with clear 4xx errors."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from fmkit.data import load_labeled
from fmkit.improve import queue
from fmkit.workspace import Workspace
from fmkit.workspace.schema import Feedback
from tests.improve.conftest import log_traffic
from tests.serving.conftest import Running, registered_home


@pytest.fixture
def queued(tmp_path: Path, artifacts: list[Path], tickets: dict[str, Path]) -> tuple[Path, list[queue.Task]]:
    home = registered_home(tmp_path, artifacts)
    ws = Workspace.open(home=home)
    ids = log_traffic(ws, "tickets", list(load_labeled(str(tickets["test"])).texts)[:6])
    queue.enqueue(ws, "tickets", ids, "margin")
    tasks = queue.pending(ws, "tickets", limit=10)
    ws.engine.dispose()
    return home, tasks


@pytest.fixture
def browser() -> Iterator[object]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        if os.environ.get("FMKIT_REQUIRE_CHROMIUM"):
            pytest.fail("FMKIT_REQUIRE_CHROMIUM is set but Chromium or chromedriver is missing (scripts/chromium.sh)")
        pytest.skip("Chromium and chromedriver are not installed (bash scripts/chromium.sh)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_label_by_keyboard_in_chromium(
    queued: tuple[Path, list[queue.Task]], browser: object, server_factory: Callable[..., Running]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    assert isinstance(browser, WebDriver)
    home, tasks = queued
    server = server_factory(home)
    wait = WebDriverWait(browser, 30)
    browser.get(f"{server.url}/label")
    wait.until(expected_conditions.alert_is_present())  # the page asks for the labeler's name once
    browser.switch_to.alert.send_keys("ana")
    browser.switch_to.alert.accept()

    def showing(task: queue.Task) -> None:
        wait.until(lambda d: d.find_element(By.ID, "text").text == task.text)

    def press(key: str) -> None:
        browser.find_element(By.TAG_NAME, "body").send_keys(key)

    showing(tasks[0])
    guess = browser.find_element(By.ID, "guess").text
    assert guess.startswith(f"Model says: {tasks[0].guess} (") and guess.endswith("%)")
    assert [b.get_attribute("data-label") for b in browser.find_elements(By.CSS_SELECTOR, "#labels button")] == list(
        tasks[0].labels
    )
    press("1")  # label the first task with the first label
    showing(tasks[1])
    press("s")  # skip the second
    showing(tasks[2])
    press("u")  # undo the skip: the second task is back
    showing(tasks[1])
    press("2")
    showing(tasks[2])
    wait.until(lambda d: "2 labeled" in d.find_element(By.ID, "counts").text)
    assert "4 pending" in browser.find_element(By.ID, "counts").text

    ws = Workspace.open(home=home)
    with ws.session() as s:
        rows = s.scalars(select(Feedback).order_by(Feedback.created_at)).all()
        assert [(f.prediction_id, f.label, f.labeled_by, f.source) for f in rows] == [
            (tasks[0].prediction_id, tasks[0].labels[0], "ana", "queue"),
            (tasks[1].prediction_id, tasks[1].labels[1], "ana", "queue"),
        ]
    assert queue.counts(ws, "tickets") == {"pending": 4, "labeled": 2, "skipped": 0}
    ws.engine.dispose()


def test_the_labeling_api_refuses_bad_requests(
    queued: tuple[Path, list[queue.Task]], server_factory: Callable[..., Running]
) -> None:
    home, tasks = queued
    server = server_factory(home)
    with server.client() as client:
        assert client.get("/v1/label/next", params={"n": 2}).json()["counts"]["pending"] == 6
        cases = [
            ({"task_id": tasks[0].id, "label": "refund", "who": "ana"}, 422, "not one of the model's labels"),
            ({"task_id": 999_999, "label": "billing", "who": "ana"}, 404, "no labeling task 999999"),
            ({"task_id": tasks[0].id, "label": "billing", "who": " "}, 422, "who"),
            ({"task_id": tasks[0].id, "label": "billing", "who": "\x1c"}, 422, "who is empty or blank"),
            ({"task_id": 0, "label": "billing", "who": "ana"}, 422, "task_id"),
            ({"task_id": tasks[0].id, "label": "billing", "who": "x" * 101}, 422, "who is longer than 100 characters:"),
        ]
        for body, status, message in cases:
            answer = client.post("/v1/label", json=body)
            assert answer.status_code == status and message in answer.json()["error"]["message"], answer.text
        labeled = client.post("/v1/label", json={"task_id": tasks[0].id, "label": "billing", "who": "bo"})
        assert labeled.status_code == 200 and labeled.json()["counts"]["labeled"] == 1
        again = client.post("/v1/label/skip", json={"task_id": tasks[0].id, "who": "ana"})
        assert again.status_code == 409 and "was labeled by bo already" in again.json()["error"]["message"]
        nothing = client.post("/v1/label/undo", json={"who": "ana"})
        assert nothing.status_code == 404 and "'ana' has no label or skip to undo" in nothing.json()["error"]["message"]
        assert client.post("/v1/label/undo", json={"who": "bo"}).json()["status"] == "pending"
