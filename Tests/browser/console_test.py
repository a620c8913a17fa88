#!/usr/bin/env python3
"""The web console in a real browser (issue 7): headless Chromium, driven by Selenium, against `xietong demo`.

Paths driven, as users would:
  1. a procuratorate clerk logs in, sees the red counter for the demo's waiting arrest request, opens it, views its
     dossier and signs for it;
  2. a supervisor logs in, opens the case's timeline and the dashboard with its charts, and exports a table as CSV;
  3. an administrator opens the administration page.

Screenshots of each page go to docs/screenshots/ with XIETONG_SCREENSHOTS=1 (as committed), else to a temp folder.
Run by .ci/run after the Swift tests; prints "N passed, N failed" and exits non-zero on any failure.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("XIETONG_BINARY", os.path.join(ROOT, ".build", "debug", "xietong"))
SHOTS = os.path.join(ROOT, "docs", "screenshots") if os.environ.get("XIETONG_SCREENSHOTS") == "1" else tempfile.mkdtemp(prefix="xietong-shots-")

passed = 0
failed = 0


def check(what, condition):
    global passed, failed
    if condition:
        passed += 1
        print(f"  ok  {what}")
    else:
        failed += 1
        print(f"  FAIL  {what}")


def shot(driver, name):
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def log_in(driver, console, user, password):
    driver.get(console + "/login")
    driver.find_element(By.ID, "user").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "submit").click()
    # The form posts, then the console redirects: wait for the page after the log-in before going on.
    WebDriverWait(driver, 30).until(lambda d: "/console/login" not in d.current_url and d.execute_script("return document.readyState") == "complete")


def main():
    data = tempfile.mkdtemp(prefix="xietong-console-")
    demo = subprocess.Popen([BINARY, "demo", "--data-dir", data], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    driver = None
    try:
        users_file = os.path.join(data, "console.json")
        deadline = time.time() + 600
        while not os.path.exists(users_file):
            if demo.poll() is not None or time.time() > deadline:
                print(demo.stdout.read())
                raise RuntimeError("the demo did not get to its consoles")
            time.sleep(0.5)
        time.sleep(0.5)
        users = {u["user"]: u for u in json.load(open(users_file))}
        clerk, supervisor, admin = users["jcy-clerk"], users["zfw-supervisor"], users["zfw-admin"]

        options = webdriver.ChromeOptions()
        options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,1000", "--ignore-certificate-errors", "--lang=zh-CN"]:
            options.add_argument(argument)
        driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
        driver.implicitly_wait(5)

        print("the procuratorate's clerk")
        log_in(driver, clerk["console"], clerk["user"], clerk["password"])
        shot(driver, "node-inbox")
        tile = driver.find_element(By.CSS_SELECTOR, '#counters .tile[data-flow="arrestApproval"]')
        badge = tile.find_element(By.CSS_SELECTOR, ".red-count")
        check("the arrest-approval business shows a red unread counter", badge.text.strip() not in ("", "0") and "red" in badge.get_attribute("class"))
        waiting = driver.find_elements(By.CSS_SELECTOR, 'a.package-link[data-message="arrestRequest"][data-state="open"]')
        check("the waiting arrest request is listed", len(waiting) == 1)
        waiting[0].click()
        shot(driver, "node-package")
        check("the package page shows its dossier", len(driver.find_elements(By.CSS_SELECTOR, "#files tbody tr")) >= 1)
        check("the dossier viewer shows the PDF inline", len(driver.find_elements(By.CSS_SELECTOR, "iframe.viewer")) == 1)
        check("the package is tracked hop by hop", len(driver.find_elements(By.CSS_SELECTOR, "#hops li")) >= 4)
        driver.find_element(By.ID, "sign-button").click()
        notice = driver.find_element(By.ID, "notice")
        shot(driver, "node-signed")
        check("signing for it is confirmed", "已签收" in notice.text)
        check("the signing is a hop", len(driver.find_elements(By.CSS_SELECTOR, '#hops li[data-hop="signedFor"]')) == 1)
        driver.get(clerk["console"])
        badge = driver.find_element(By.CSS_SELECTOR, '#counters .tile[data-flow="arrestApproval"] .red-count')
        check("the red counter is back to zero", badge.text.strip() == "0")
        driver.get(clerk["console"] + "?lang=en")
        shot(driver, "node-inbox-en")
        check("the English switch works", "Inbox" in driver.find_element(By.TAG_NAME, "h1").text)
        driver.get(clerk["console"] + "?lang=zh")
        case_link = driver.find_elements(By.CSS_SELECTOR, "#incoming a.mono")
        # The oldest incoming package belongs to the demo's main case, with all its flows.
        case_code = case_link[-1].text.strip()
        case_link[-1].click()
        shot(driver, "node-case")
        check("the case timeline opens from the inbox", len(driver.find_elements(By.CSS_SELECTOR, "#timeline h2")) >= 1)

        print("the committee's supervisor")
        driver.delete_all_cookies()
        log_in(driver, supervisor["console"], supervisor["user"], supervisor["password"])
        driver.set_window_size(1366, 2300)  # the whole dashboard in one picture
        shot(driver, "hub-dashboard")
        driver.set_window_size(1366, 1000)
        charts = driver.find_elements(By.CSS_SELECTOR, "#charts svg")
        check("the dashboard draws its charts as SVG", len(charts) >= 10)
        check("volume per agency over time has a line per agency", len(driver.find_elements(By.CSS_SELECTOR, "#chart-daily-agency polyline.series")) >= 5)
        bars = driver.find_elements(By.CSS_SELECTOR, "#chart-volume-flow rect")
        check("the volume chart has bars", len(bars) >= 3)
        driver.get(supervisor["console"] + "/cases?filter=all")
        shot(driver, "hub-cases")
        rows = driver.find_elements(By.CSS_SELECTOR, "#cases tbody tr")
        check("every case's flows are listed", len(rows) >= 5)
        driver.get(supervisor["console"] + "/cases/" + case_code)
        shot(driver, "hub-case-timeline")
        check("the supervisor sees the case's timeline", len(driver.find_elements(By.CSS_SELECTOR, "#timeline table")) >= 1)
        driver.get(supervisor["console"] + "/deadlines")
        shot(driver, "hub-deadlines")
        check("the deadline board lists open limits", len(driver.find_elements(By.CSS_SELECTOR, "#deadlines tbody tr")) >= 1)
        csv = driver.find_element(By.CSS_SELECTOR, "a.csv").get_attribute("href")
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
        import ssl
        context = ssl.create_default_context(cafile=os.path.join(data, "pki", "ca.crt"))
        request = urllib.request.Request(csv, headers={"Cookie": cookie})
        text = urllib.request.urlopen(request, context=context).read().decode("utf-8-sig")
        check("a table exports as CSV", text.startswith("案件编码 case") and text.count("\n") >= 2)

        print("the committee's administrator")
        driver.delete_all_cookies()
        log_in(driver, admin["console"], admin["user"], admin["password"])
        driver.get(admin["console"] + "/admin")
        shot(driver, "hub-admin")
        check("nodes are listed with their connection", len(driver.find_elements(By.CSS_SELECTOR, "#nodes tbody tr")) == 5)
        check("the evidence log's health is shown", len(driver.find_elements(By.CSS_SELECTOR, "#evidence tbody tr")) == 1)
        check("the administration tables export as CSV", len(driver.find_elements(By.CSS_SELECTOR, "a.csv")) >= 3)
        driver.delete_all_cookies()
        driver.get(admin["console"] + "/admin")
        check("a page needs a log-in", "/console/login" in driver.current_url)
        shot(driver, "hub-login")
    except Exception:
        traceback.print_exc()
        check("the browser run finished", False)
    finally:
        if driver is not None:
            driver.quit()
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(timeout=30)
            stopped = True
        except subprocess.TimeoutExpired:
            stopped = False
            demo.kill()
        check("Ctrl-C stops the demo", stopped)
    print(f"screenshots: {SHOTS}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
