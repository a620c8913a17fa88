"""On demand (issue 24's acceptance; not in CI, it makes and moves a 1 GB file): a video of about 1 GB, made by ffmpeg,
sent by the police's business system through `xietong demo` (resumable upload), delivered to the procuratorate, and
sought to its middle in the procuratorate clerk's console (headless Chromium), with the demo's memory (the one
process of its hubs and nodes) read before and after.

    python3 Tests/browser/large_recording.py [PATH]    # PATH: the video to make or reuse (default /tmp/xietong-1g.webm)
"""
import hashlib, json, os, ssl, subprocess, sys, tempfile, time, urllib.request
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import console_test as ct
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

PATH = sys.argv[1] if len(sys.argv) > 1 else "/tmp/xietong-1g.webm"
if not os.path.exists(PATH):
    # 116 s of 720p under heavy noise at a constant 80 Mbit/s: about 1 GB, a keyframe every second.
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=duration=116:size=1280x720:rate=10", "-vf", "noise=alls=60:allf=t",
         "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "80M", "-minrate", "80M", "-maxrate", "80M", "-bufsize", "20M",
         "-g", "10", PATH],
        check=True,
    )

def rss(pid):
    fields = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status") if ":" in line)
    return fields["VmRSS"].strip(), fields["VmHWM"].strip()

data = tempfile.mkdtemp(prefix="xietong-big-")
demo = subprocess.Popen([ct.BINARY, "demo", "--data-dir", data], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
try:
    users_file = os.path.join(data, "console.json")
    while not os.path.exists(users_file):
        time.sleep(0.5)
    time.sleep(1)
    users = {u["user"]: u for u in json.load(open(users_file))}
    clerk = users["jcy-clerk"]
    systems = {s["organisation"]: s for s in json.load(open(os.path.join(data, "business-systems.json")))}
    node, key = systems[ct.POLICE]["node"], systems[ct.POLICE]["apiKey"]
    context = ssl.create_default_context(cafile=os.path.join(data, "pki", "ca.crt"))
    size = os.path.getsize(PATH)
    digest = hashlib.sha256()
    with open(PATH, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            digest.update(chunk)
    sha256 = digest.hexdigest()
    t = time.time()
    auth = {"Authorization": f"Bearer {key}"}
    created = urllib.request.urlopen(urllib.request.Request(node + "/api/v1/uploads", method="POST",
        data=json.dumps({"sha256": sha256, "size": size, "name": "big.webm"}).encode(), headers={**auth, "Content-Type": "application/json"}), context=context)
    upload = json.loads(created.read())["uploadId"]
    offset = 0
    with open(PATH, "rb") as f:
        while offset < size:
            chunk = f.read(64 << 20)
            request = urllib.request.Request(node + f"/api/v1/uploads/{upload}", method="PATCH", data=chunk,
                headers={**auth, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
            urllib.request.urlopen(request, context=context, timeout=600).read()
            offset += len(chunk)
    print("upload:", offset, f"{time.time() - t:.1f} s")
    package_id, xml = ct.recording_package("庭审录像.webm", size, sha256)
    request = urllib.request.Request(node + "/api/v1/packages", data=xml, headers={"Authorization": f"Bearer {key}", "Content-Type": "application/xml"})
    print("package:", urllib.request.urlopen(request, context=context).status, package_id)
    # The procuratorate's node process.
    console = clerk["console"]
    port = console.split(":")[2].split("/")[0]
    pid = subprocess.run(["bash", "-c", f"ss -ltnp 'sport = :{port}' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2"], capture_output=True, text=True).stdout.strip()
    print("the demo's process", pid, "(VmRSS, VmHWM) before:", rss(int(pid)) if pid else "?")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,1000", "--ignore-certificate-errors"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(5)
    ct.log_in(driver, console, clerk["user"], clerk["password"])
    page = console + "/packages/" + package_id
    players = []
    deadline = time.time() + 600
    while not players and time.time() < deadline:
        driver.get(page)
        players = driver.find_elements(By.CSS_SELECTOR, "#recordings video.player")
        if not players:
            time.sleep(2)
    print("player found:", len(players) == 1, f"{time.time() - t:.1f} s after the upload began")
    driver.set_script_timeout(120)
    t = time.time()
    state = driver.execute_async_script(ct.SEEK_TO_MIDDLE)
    print("seek:", state, f"{time.time() - t:.1f} s")
    driver.save_screenshot(os.path.join(data, "large-recording.png"))
    source = players[0].get_attribute("src")
    middle = size // 2
    status, content_range, accepts, etag, body = driver.execute_async_script(ct.FETCH_RANGE, source, f"bytes={middle}-{middle + 99}")
    with open(PATH, "rb") as f:
        f.seek(middle)
        expected = f.read(100)
    print("range:", status, content_range, bytes(body) == expected)
    print("the demo's process (VmRSS, VmHWM) after:", rss(int(pid)) if pid else "?")
    driver.quit()
finally:
    demo.terminate()
    demo.wait(timeout=60)
