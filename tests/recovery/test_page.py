"""The recovery page in a real browser: Debian's headless Chromium driven by
chromedriver (python3-selenium). The page logs in with HTTP Digest
(Chromium answers the challenge itself with the credentials the page gives
XMLHttpRequest), uploads a signed image with a progress bar that follows
the device's own progress, and the device boots the new version. What the
user sees is also checked in screenshots (colours of the bar after a
refusal, the default-login warning, the faded stale table); they land in
build/test-results/."""
import os
import re
import struct
import subprocess
import zlib

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import LIFEBOAT, ROOT

SHOTS = os.path.join(ROOT, "build", "test-results")


def pixels(png):
    """(width, height, [(r, g, b)]) of a Chromium screenshot (8-bit RGB or
    RGBA, not interlaced): enough PNG for the checks below."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(png):
        n, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", data)
            assert depth == 8 and ctype in (2, 6) and not interlace, (depth, ctype, interlace)
        elif kind == b"IDAT":
            idat += data
        pos += 12 + n
    bpp = 4 if ctype == 6 else 3
    raw, stride, out, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += [tuple(line[i:i + 3]) for i in range(0, stride, bpp)]
        prev = line
    return w, h, out


def share(px, pred):
    return sum(1 for p in px if pred(p)) / max(1, len(px))


def red(p):
    return p[0] > 140 and p[1] < 70 and p[2] < 70


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
        sl = d.find_element(By.ID, "sl")
        assert "confirmed" in sl.text
        # The versions the device runs and its security floor; an empty
        # slot says so instead of a version 0.0.0+0.
        assert re.fullmatch(r"loader \d+\.\d+\.\d+\+\d+, recovery \d+\.\d+\.\d+\+\d+, "
                            r"security floor 0", d.find_element(By.ID, "ver").text)
        rows = [r.split() for r in sl.text.splitlines()]
        assert rows[2] == ["b", "empty", "-", "-"], rows
        assert "0.0.0" not in sl.text
        # The layout's default login is in use: a warning, in its colour.
        cw = d.find_element(By.ID, "cw")
        assert cw.is_displayed() and "default login" in cw.text
        _, _, px = pixels(cw.screenshot_as_png)
        assert share(px, lambda p: p == (0xff, 0xdd, 0xbb)) > 0.5
        msg = d.find_element(By.ID, "msg")
        # A wrong password: the device refuses, nothing is written; the
        # status is shown once.
        d.find_element(By.ID, "p").send_keys("wrong")
        d.find_element(By.ID, "f").send_keys(fw["app-v2"])
        d.find_element(By.ID, "go").click()
        wait.until(lambda d: msg.text.startswith("401"))
        assert msg.text.startswith("401 Unauthorized: "), msg.text
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
        # The app answers now: the slot table is marked as from before and
        # drawn faded (no dark text left in it).
        wait.until(lambda d: "the table is from before" in d.find_element(By.ID, "why").text)
        assert "runs its app" in d.find_element(By.ID, "why").text
        _, _, px = pixels(sl.screenshot_as_png)
        assert min(sum(p) for p in px) > 3 * 120, "the stale table is not faded"
        d.save_screenshot(os.path.join(SHOTS, "recovery-page-stale.png"))
    finally:
        d.quit()


def test_page_follows_the_devices_progress_and_shows_a_refusal(fw, flash, nqemu, tmp_path):
    """With the browser's upload throttled (as on a slow link), the bar shows
    what the device has written, not what the browser has sent, and says
    'writing'; an image refused at its final check (a bad signature, found
    only after the last byte) turns the bar red and says so, nothing
    boots from it."""
    body, img = tmp_path / "big.bin", tmp_path / "big.signed.bin"
    body.write_bytes(os.urandom(384 * 1024))
    key = os.path.join(ROOT, "build", "keys", "dev.pem")
    with open(os.path.join(ROOT, "build", "qemu-mps2-an385", "layout", "partitions.h")) as f:
        product = re.search(r'#define LB_LAYOUT_PRODUCT "([^"]+)"', f.read()).group(1)
    subprocess.run([LIFEBOAT, "sign", "--key", key, "--header-size", "0x200", "--load-addr",
                    "0x00100000", "--product", product, "--kind", "app", "--version", "9.0.0",
                    str(body), str(img)], check=True, capture_output=True)
    data = bytearray(img.read_bytes())
    data[-1] ^= 0x01  # the last byte of the signature's DER
    img.write_bytes(bytes(data))
    q = nqemu(flash(app="app"), strap=True)
    q.serving()
    d = browser(tmp_path)
    try:
        wait = WebDriverWait(d, 60, poll_frequency=0.05)
        d.get(q.url + "/")
        wait.until(lambda d: "strap" in d.find_element(By.ID, "why").text)
        d.set_network_conditions(offline=False, latency=5, download_throughput=1 << 20,
                                 upload_throughput=96 * 1024)
        d.find_element(By.ID, "p").send_keys("lifeboat")
        d.find_element(By.ID, "f").send_keys(str(img))
        d.find_element(By.ID, "go").click()
        pr, pc, dv = (d.find_element(By.ID, i) for i in ("pr", "pc", "dv"))
        msg = d.find_element(By.ID, "msg")
        seen = []

        def watch(d):
            # One snapshot of the bar, its text and the phase (read in one
            # script, so that no update falls between them).
            v, t, x, m = d.execute_script(
                "var g=function(i){return document.getElementById(i)};"
                "return [String(g('pr').value), g('pc').textContent, g('dv').textContent,"
                " g('msg').textContent]")
            seen.append((v, t, x))
            return m.startswith("422")
        wait.until(watch)
        mid = [(v, t, x) for v, t, x in seen if 0 < int(v) < 100 and "device writing" in x]
        assert mid, seen[-20:]
        assert all(t == v + " %" for v, t, x in mid), mid[:5]
        assert any(re.fullmatch(r"sent \d+ %, device writing", x) for v, t, x in mid), mid[:5]
        # The bar is the device's: it never goes back, and it visibly lags
        # what the browser says it has sent (its buffers are ahead).
        vals = [int(v) for v, t, x in seen]
        assert vals == sorted(vals), vals
        assert any(int(re.match(r"sent (\d+)", x).group(1)) - int(v) >= 20 for v, t, x in mid), mid
        assert msg.text.startswith("422 Unprocessable Content: ") and "422 422" not in msg.text
        assert "bad" in pr.get_attribute("class") and pc.text == "refused"
        # The bar's box (Chromium draws it rounded, with a margin): red
        # where it is filled, and nothing of the default blue left.
        _, _, px = pixels(pr.screenshot_as_png)
        assert share(px, red) > 0.3, "the refused bar is not red"
        assert share(px, lambda p: p[2] > 150 and p[0] < 120) < 0.01, "the refused bar is blue"
        os.makedirs(SHOTS, exist_ok=True)
        d.save_screenshot(os.path.join(SHOTS, "recovery-page-refused.png"))
        d.delete_network_conditions()
        # Nothing was activated: slot b is still empty.
        wait.until(lambda d: not d.find_element(By.ID, "dv").text)
        rows = [r.split() for r in d.find_element(By.ID, "sl").text.splitlines()]
        assert rows[2] == ["b", "empty", "-", "-"], rows
    finally:
        d.quit()


def test_page_warns_only_while_the_default_login_is_in_use(fw, flash, nqemu, tmp_path):
    """A device given its own credential at the factory shows no warning."""
    pw = tmp_path / "pw"
    pw.write_text("per-device-secret\n")
    q = nqemu(flash(app="app", extra=["--cred-user", "ops", "--cred-password-file", str(pw)]),
              strap=True)
    q.serving()
    d = browser(tmp_path)
    try:
        wait = WebDriverWait(d, 30, poll_frequency=0.05)
        d.get(q.url + "/")
        wait.until(lambda d: "strap" in d.find_element(By.ID, "why").text)
        assert not d.find_element(By.ID, "cw").is_displayed()
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
        assert msg.text.startswith("401 Unauthorized: "), msg.text  # the status once
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
