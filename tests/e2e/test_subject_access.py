"""A subject access request in the real window: recorded on a child's page (every missing
answer said at once), its due date shown and on Today; the response looked over (each name
replaced), a part withheld under an exemption with its reason, then signed and saved through the
native dialog: pdfsig valid, the withheld part marked and its reason nowhere in the PDF."""
import subprocess
from datetime import date

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from helpers import answer_file_dialog, click_button, demo_vault, heading, type_date, type_into, wait
from test_transfer import open_a_child


def test_record_review_withhold_and_answer_a_request(app, cli, screenshot, tmp_path):
    driver = app
    demo_vault(driver, cli, 6, 29)
    child = open_a_child(driver)
    click_button(driver, "Record a subject access request…")
    click_button(driver, "Record the request")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "request-requester-error"), "please fill this in"))
    assert driver.find_element(By.ID, "request-identity").get_attribute("aria-invalid") == "true"
    type_into(driver, "request-requester", "Mrs Grace Example")
    driver.find_element(By.XPATH, "//label[contains(., 'A parent or carer, for a child')]/input").click()
    type_date(driver, "request-received", date.today())
    type_into(driver, "request-identity", "Seen in person with her passport.")
    click_button(driver, "Record the request")
    notice = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=request-notice]")))
    assert "due by" in notice.text, notice.text

    click_button(driver, "Look over the response…")
    preview = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=response-preview]")))
    wait(driver).until(lambda d: "Parts of the record" in preview.text)
    # A family member the DSL names (the parent asking): named in the response; the rest by role.
    family = preview.find_elements(By.XPATH, ".//fieldset[.//legend[starts-with(normalize-space(.), 'Family members to name')]]//label")
    named = None
    if family:
        named = family[0].text.rsplit(" (", 1)[0]
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", family[0])
        family[0].find_element(By.TAG_NAME, "input").click()
        wait(driver).until(lambda d: "Parts of the record" in d.find_element(By.CSS_SELECTOR, "[data-testid=response-preview]").text)
    preview = driver.find_element(By.CSS_SELECTOR, "[data-testid=response-preview]")
    links = preview.find_elements(By.XPATH, ".//button[normalize-space(.)='Withhold…']")
    assert links, preview.text
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", links[0])
    links[0].click()
    Select(wait(driver).until(EC.element_to_be_clickable((By.ID, "withhold-exemption")))).select_by_index(0)
    secret = "The police asked that this stays private until their enquiry ends."
    type_into(driver, "withhold-reason", secret)
    click_button(driver, "Withhold this part")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=response-preview]"), "Withheld: Serious harm"))
    screenshot(driver, "subject-access-review")

    target = str(tmp_path / "response.pdf")
    click_button(driver, "Sign and save the response…")
    answer_file_dialog("Save the signed response", target)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=request-notice]"), "Signed response saved"))
    sig = subprocess.run(["pdfsig", target], capture_output=True, text=True).stdout
    assert "Signature is Valid" in sig, sig
    text = subprocess.run(["pdftotext", target, "-"], capture_output=True, text=True).stdout
    assert f"Information held about {child}" in text
    assert "Withheld under an exemption: Serious harm" in text
    assert "police asked that this stays private" not in text
    if named:
        assert named in text, named
    click_button(driver, "Today")
    heading(driver, "Today")
    assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid=requests-due]"), "answered: off Today"
