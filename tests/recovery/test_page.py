"""The recovery page in a real browser: Debian's headless Chromium driven by
chromedriver (python3-selenium). The page logs in with HTTP Digest
(Chromium answers the challenge itself with the credentials the page gives
XMLHttpRequest), uploads a signed image with a progress bar, and the device
boots the new version. A screenshot lands in build/test-results/."""
import os

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ROOT

SHOTS = os.path.join(ROOT, "build", "test-results")


def browser(tmp_path):
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=900,1000", f"--user-data-dir={tmp_path / 'chromium'}"):
        o.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def test_page_upload_in_chromium(fw, flash, nqemu, tmp_path):
    q = nqemu(flash(app="app"))
    q.expect(r"\[app\] healthy: reported")
    q.send("r")  # the app asks for recovery once; after the upload the new app boots
    q.serving()
    d = browser(tmp_path)
    try:
        wait = WebDriverWait(d, 30, poll_frequency=0.05)
        d.get(q.url + "/")
        wait.until(lambda d: "requested" in d.find_element(By.ID, "why").text)
        assert "confirmed" in d.find_element(By.ID, "sl").text
        msg = d.find_element(By.ID, "msg")
        # A wrong password: the device refuses, nothing is written.
        d.find_element(By.ID, "p").send_keys("wrong")
        d.find_element(By.ID, "f").send_keys(fw["app-v2"])
        d.find_element(By.ID, "go").click()
        wait.until(lambda d: msg.text.startswith("401"))
        # The right one: the progress bar runs to 100 % and the device
        # says where the image went.
        d.find_element(By.ID, "p").clear()
        d.find_element(By.ID, "p").send_keys("lifeboat")
        d.find_element(By.ID, "go").click()
        wait.until(lambda d: "installed" in msg.text)
        assert "installed in slot b" in msg.text, msg.text
        assert d.find_element(By.ID, "pr").get_attribute("value") == "100"
        assert d.find_element(By.ID, "pc").text == "100 %"
        os.makedirs(SHOTS, exist_ok=True)
        d.save_screenshot(os.path.join(SHOTS, "recovery-page.png"))
        # The device reboots into the new version (a trial boot of slot b)
        # and the page notices that it left recovery.
        assert q.boot() == {"image": "app", "slot": "b", "reason": "trial", "reset": "software"}
        q.expect(r"\[app\] \S+ version 1\.1\.0")
        q.expect(r"\[app\] healthy: reported")
        wait.until(lambda d: "left recovery" in msg.text)
    finally:
        d.quit()


def test_page_shows_history_only_with_the_login(fw, flash, nqemu, tmp_path):
    """The page's "Update history" button reads GET /api/history with the
    login typed into the page: a wrong password gets 401 and shows nothing,
    the right one shows the entries kept on flash (here: this recovery
    entry, requested by the app)."""
    q = nqemu(flash(app="app"))
    q.expect(r"\[app\] healthy: reported")
    q.send("r")
    q.serving()
    d = browser(tmp_path)
    try:
        wait = WebDriverWait(d, 30, poll_frequency=0.05)
        d.get(q.url + "/")
        wait.until(lambda d: "requested" in d.find_element(By.ID, "why").text)
        msg, table = d.find_element(By.ID, "msg"), d.find_element(By.ID, "hi")
        d.find_element(By.ID, "p").send_keys("wrong")
        d.find_element(By.ID, "hb").click()
        wait.until(lambda d: msg.text.startswith("401"))
        assert table.text == ""
        d.find_element(By.ID, "p").clear()
        d.find_element(By.ID, "p").send_keys("lifeboat")
        d.find_element(By.ID, "hb").click()
        wait.until(lambda d: "recovery" in table.text)
        rows = table.text.splitlines()
        assert rows[0].split() == ["#", "boot", "event", "source", "detail"], rows
        assert rows[1].split()[2:] == ["recovery", "device", "requested"], rows
    finally:
        d.quit()
