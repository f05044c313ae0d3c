"""Screenshots at the laptop widths the portal is checked at."""

from pathlib import Path

LAPTOP_WIDTHS = ((1280, 800), (1366, 768))
RESULTS = Path("test-results")


def at_laptop_widths(page, name):
    """Save `name`-1280.png and `name`-1366.png, and return the page to 1280 px."""
    RESULTS.mkdir(exist_ok=True)
    for width, height in LAPTOP_WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(RESULTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": LAPTOP_WIDTHS[0][0], "height": LAPTOP_WIDTHS[0][1]})
