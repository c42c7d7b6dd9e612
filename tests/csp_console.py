"""What a browser test reads from the console: a Content-Security-Policy violation is a
console error in Chromium ("Refused to execute inline script ... Content Security Policy")."""


def watch_csp_violations(page) -> list[str]:
    """Record every CSP violation the page reports from now on; the list fills as it runs."""
    seen: list[str] = []

    def remember(message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            seen.append(f"{page.url}: {message.text}")

    page.on("console", remember)
    return seen
