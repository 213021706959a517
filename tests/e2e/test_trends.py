"""Trends: the screen shows a period's figures for a demo vault, suppressed as the core
publishes them, with charts (SVG, no image); a period that ends before it starts is refused
with a sentence beside the date; the report is signed and saved (pdfsig: valid; pdfimages: no
image), and the figures file for the trust is saved and combined back on the same screen."""
import os
import subprocess
from datetime import date, timedelta

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from helpers import answer_file_dialog, click_button, demo_vault, heading, type_date, wait


def test_trends_screen_report_and_figures(app, cli, screenshot, tmp_path):
    driver = app
    demo_vault(driver, cli, incidents=120, seed=19)
    click_button(driver, "Trends")
    heading(driver, "Trends")
    Select(driver.find_element(By.ID, "trends-period")).select_by_visible_text("The last 12 months")
    sentences = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=trend-sentences]")))
    wait(driver).until(lambda d: "incidents were reported" in sentences.text)
    main = driver.find_element(By.CSS_SELECTOR, "main.home")
    assert "Incidents by category" in main.text and "Incidents by month reported" in main.text
    # Charts are SVG; nothing on the screen is a raster image.
    assert len(driver.find_elements(By.CSS_SELECTOR, "svg.chart")) >= 5
    assert driver.find_elements(By.CSS_SELECTOR, "main img, main canvas") == []
    screenshot(driver, "trends")
    chart = driver.find_element(By.ID, "trend-category")
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", chart)
    screenshot(driver, "trends-category-chart")
    months = driver.find_element(By.ID, "trend-month")
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", months)
    screenshot(driver, "trends-month-chart")

    # A period that ends before it starts: a sentence beside the date, and nothing else.
    Select(driver.find_element(By.ID, "trends-period")).select_by_visible_text("Dates I choose")
    type_date(driver, "period-first", date.today())
    type_date(driver, "period-last", date.today() - timedelta(days=10))
    click_button(driver, "Show")
    error = wait(driver).until(EC.visibility_of_element_located((By.ID, "period-last-error")))
    assert "must end after it starts" in error.text, error.text

    # Back to the last 12 months; sign and save the report.
    Select(driver.find_element(By.ID, "trends-period")).select_by_visible_text("The last 12 months")
    wait(driver).until(lambda d: "incidents were reported" in d.find_element(By.CSS_SELECTOR, "[data-testid=trend-sentences]").text)
    target = str(tmp_path / "trends.pdf")
    click_button(driver, "Sign and save report (PDF)")
    answer_file_dialog("Save the trends report", target)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=trends-saved]"), "Signed and saved"))
    assert os.path.exists(target)
    sig = subprocess.run(["pdfsig", target], capture_output=True, text=True).stdout
    assert "Signature is Valid" in sig, sig
    images = subprocess.run(["pdfimages", "-list", target], capture_output=True, text=True).stdout
    assert len(images.strip().splitlines()) == 2, images

    # The figures file for the trust, then combined back on the same screen.
    figures = str(tmp_path / "figures.json")
    click_button(driver, "Save figures for the trust (JSON)")
    answer_file_dialog("Save figures for the trust", figures)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=trends-saved]"), "Saved the figures file"))
    with open(figures, encoding="utf-8") as f:
        saved = f.read()
    assert '"format": "casebook-trends"' in saved
    click_button(driver, "Combine figures files from several schools…")
    answer_file_dialog("Combine schools' figures", figures, location_bar=True)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "main.home"), "Sign and save the trust report (PDF)"))
