import pytest

pytestmark = [pytest.mark.embedded, pytest.mark.xdist_group("browser")]  # one running system


def test_a2_sign_in_shows_the_person_and_menu(client):
    client.open("/")
    client.check_accessibility()
    client.screenshot("sign-in")
    client.sign_in("parent")
    page = client.page
    page.get_by_role("heading", name="Здравствуйте").wait_for()
    client.check_accessibility()
    client.screenshot("home-parent")
