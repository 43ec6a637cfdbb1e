"""The lesson page in a real browser: headless Chromium (the system's package) driven by Selenium.

Selenium talks to the system's chromedriver, which is built for the system's Chromium, so no
browser is downloaded; `.ci/run` installs both where they are missing. The page for the
chapter's example renders, shows the graph and both tables, and clicking a row highlights the
line of code that computed it. The screenshot kept in docs/images/lesson.png is taken here.
"""
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCREENSHOT = os.path.join(ROOT, "docs", "images", "lesson.png")


def _binary(*names):
    for name in names:
        found = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)
        if found:
            return found
    raise AssertionError(f"none of {names} is installed: apt-get install chromium chromium-driver")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    path = tmp_path_factory.mktemp("lesson") / "lesson.html"
    done = subprocess.run([sys.executable, "-m", "tangent_ad", "examples/quickstart.py:f", "--lesson", "3", "2",
                           "-o", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    options = webdriver.ChromeOptions()
    options.binary_location = _binary("chromium", "chromium-browser", "google-chrome")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,1000", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(_binary("chromedriver")), options=options)
    try:
        driver.get(path.as_uri())
        yield driver
    finally:
        driver.quit()


def _visible(driver, selector):
    from selenium.webdriver.common.by import By
    element = driver.find_element(By.CSS_SELECTOR, selector)
    size = element.size
    return element.is_displayed() and size["width"] > 50 and size["height"] > 20


def test_page_renders_with_the_graph_and_both_tables(page):
    from selenium.webdriver.common.by import By
    assert page.title == "Differentiating f"
    assert page.execute_script("return document.readyState") == "complete"
    for selector in ("#function pre.code", "#graph-forward svg", "#graph-reverse svg",
                     "#fwd-table", "#rev-table", "#fwd", "#rev"):
        assert _visible(page, selector), selector
    forward = page.find_element(By.ID, "fwd-table").text
    reverse = page.find_element(By.ID, "rev-table").text
    assert "y_dot = 6.0" in forward and "y_dot = -4.0" in forward      # one column per input
    assert "x1_dot = 1.0" in forward                                   # the seed row
    assert "x1_bar = 6.0" in reverse and "x2_bar = -4.0" in reverse
    graph_text = page.find_element(By.ID, "graph-reverse").text
    assert "u1" in graph_text and "x1" in graph_text
    # the tables stand beside the code: same row of the layout, table on the left
    table, code = page.find_element(By.ID, "rev-table"), page.find_element(By.ID, "rev")
    assert table.location["x"] < code.location["x"]
    assert abs(table.location["y"] - code.location["y"]) < 80


def test_clicking_a_row_highlights_its_line_of_code(page):
    from selenium.webdriver.common.by import By
    rows = page.find_elements(By.CSS_SELECTOR, '#rev-table tr.row')
    row = next(r for r in rows if "u2_bar = y_bar * u1" in r.text)
    line = row.get_attribute("data-line")
    row.click()
    target = page.find_element(By.ID, f"rev-L{line}")
    assert "hl" in target.get_attribute("class").split()
    assert "u2_bar = y_bar * u1" in target.text
    assert "hl" in row.get_attribute("class").split()
    background = page.execute_script("return getComputedStyle(arguments[0]).backgroundColor", target)
    assert background == "rgb(255, 229, 138)"                          # visibly highlighted
    highlighted = page.find_elements(By.CSS_SELECTOR, ".line.hl")
    assert [element.get_attribute("id") for element in highlighted] == [f"rev-L{line}"]
    # and the other way: clicking a line of the forward code highlights the rows it computed
    forward_row = next(r for r in page.find_elements(By.CSS_SELECTOR, "#fwd-table tr.row")
                       if "y_dot = 6.0" in r.text)
    page.find_element(By.ID, f"fwd-L{forward_row.get_attribute('data-line')}").click()
    assert "hl" in forward_row.get_attribute("class").split()
    assert not page.find_elements(By.CSS_SELECTOR, "#rev .line.hl")


def test_screenshot_of_the_chapters_lesson(page, tmp_path):
    """The screenshot docs/lesson.md shows: taken here, kept when missing or when
    TANGENT_AD_UPDATE_IMAGES=1 (a PNG differs by a few bytes between Chromium versions)."""
    from selenium.webdriver.common.by import By
    height = page.execute_script("return document.body.scrollHeight")
    page.set_window_size(1400, min(max(height + 320, 1000), 4000))
    page.execute_script("window.scrollTo(0, 0)")
    row = next(r for r in page.find_elements(By.CSS_SELECTOR, "#rev-table tr.row")
               if "u2_bar = y_bar * u1" in r.text)
    page.execute_script("arguments[0].click()", row)           # a click, the mouse left where it is
    assert page.find_elements(By.CSS_SELECTOR, ".line.hl")[0].text.strip().endswith("u2_bar = y_bar * u1")
    png = page.get_screenshot_as_png()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    (tmp_path / "lesson.png").write_bytes(png)
    if os.environ.get("TANGENT_AD_UPDATE_IMAGES") == "1" or not os.path.exists(SCREENSHOT):
        os.makedirs(os.path.dirname(SCREENSHOT), exist_ok=True)
        with open(SCREENSHOT, "wb") as out:
            out.write(png)
    with open(SCREENSHOT, "rb") as kept:
        assert kept.read(8) == b"\x89PNG\r\n\x1a\n"
