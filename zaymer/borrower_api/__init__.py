"""The borrower API's viewsets that join apps of lower floors (applications, loans, personal
offers), each whole; zaymer.api_urls composes them with those of the lower floors."""
